"""Prometheus text exposition of the run's figures."""

from __future__ import annotations

import re
from typing import Any

from reports import render_metrics

SAMPLE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\} (\S+)$'
)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"')


def parse(text: str) -> tuple[dict[str, str], list[tuple[str, dict[str, str], float]]]:
    """(metric name -> type, samples); asserts every line is valid exposition syntax."""
    types: dict[str, str] = {}
    samples = []
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name not in types, f"{name} declared twice"
            types[name] = kind
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        assert name in types, f"{name} has no TYPE line before its samples"
        samples.append((name, dict(LABEL.findall(labels)), float(value)))
    return types, samples


def value(samples: list[tuple[str, dict[str, str], float]], name: str, **labels: str) -> float:
    found = [v for n, ls, v in samples if n == name and all(ls.get(k) == w for k, w in labels.items())]
    assert len(found) == 1, (name, labels, found)
    return found[0]


def test_every_line_parses(any_doc: dict[str, Any]) -> None:
    types, samples = parse(render_metrics(any_doc))
    assert set(types.values()) == {"gauge"}
    assert all(labels["run_id"] == any_doc["run"]["run_id"] for _, labels, _ in samples)
    assert len({(n, tuple(sorted(ls.items()))) for n, ls, _ in samples}) == len(samples), "duplicate series"


def test_figures(not_ready_doc: dict[str, Any]) -> None:
    _, samples = parse(render_metrics(not_ready_doc))
    assert value(samples, "harness_phase_seconds", date="2024-03-01", side="control", phase="process") == 1.91
    assert (
        value(samples, "harness_phase_seconds", date="2024-03-02", side="candidate", phase="GL posting")
        == 0.041
    )
    assert (
        value(samples, "harness_logged_phase_seconds", date="2024-03-01", side="control", phase="export")
        == 0.19
    )
    assert value(samples, "harness_side_seconds", date="2024-03-02", side="candidate") == 0.13
    assert value(samples, "harness_speedup", date="2024-03-01") == 15.9
    assert (
        value(samples, "harness_rows_compared", date="2024-03-02", entity="gl_entries", side="candidate")
        == 7799
    )
    assert value(samples, "harness_rows", date="2024-03-02", entity="gl_entries", outcome="unexplained") == 4
    assert value(samples, "harness_verdicts", verdict="MISMATCH") == 1
    assert value(samples, "harness_verdicts", verdict="MATCH") == 12
    assert value(samples, "harness_ready") == 0
    assert value(samples, "harness_accepted_differences", status="stale") == 1
    assert (
        value(samples, "harness_comparison_verdict", date="2024-03-01", entity="journals", verdict="ACCEPTED")
        == 1
    )


def test_a_failed_side_has_no_speedup(failed_doc: dict[str, Any]) -> None:
    _, samples = parse(render_metrics(failed_doc))
    assert [ls["date"] for n, ls, _ in samples if n == "harness_speedup"] == ["2024-03-01"]
    assert value(samples, "harness_side_failed", date="2024-03-02", side="candidate") == 1
    assert not [ls for n, ls, _ in samples if n == "harness_rows_compared" and ls["date"] == "2024-03-02"]


def test_label_values_are_escaped(not_ready_doc: dict[str, Any]) -> None:
    not_ready_doc["run"]["run_id"] = 'odd "id"\\ with\nnewline'
    text = render_metrics(not_ready_doc)
    _, samples = parse(text)
    assert value(samples, "harness_ready") == 0
    assert 'run_id="odd \\"id\\"\\\\ with\\nnewline"' in text
