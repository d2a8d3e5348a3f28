"""Prometheus text exposition of the run's figures, read back with prometheus_client's parser."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from reports import render_metrics
from tests.reports.documents import document

# The families and their label names: stable, documented in reports/metrics.py
FAMILIES = {
    "harness_run_info": {"run_id", "status", "verdict", "control", "candidate", "version"},
    "harness_ready": set(),
    "harness_run_started_timestamp_seconds": set(),
    "harness_run_finished_timestamp_seconds": set(),
    "harness_verdicts": {"verdict"},
    "harness_books_verdicts": {"verdict"},
    "harness_entity_verdicts": {"entity", "verdict"},
    "harness_accepted_differences": {"status"},
    "harness_dates": set(),
    "harness_dates_by_state": {"state"},
    "harness_side_seconds": {"side"},
    "harness_side_failed_dates": {"side"},
    "harness_phase_seconds": {"side", "phase"},
    "harness_phase_rows": {"side", "phase"},
    "harness_logged_phase_seconds": {"side", "phase"},
    "harness_speedup_median": set(),
    "harness_speedup_min": set(),
    "harness_input_rows": {"unit"},
    "harness_throughput_per_second": {"side", "unit"},
    "harness_rows_compared": {"entity", "side"},
    "harness_rows": {"entity", "outcome"},
}


def parse(text: str) -> list[Sample]:
    """The samples; asserts each family has HELP and TYPE lines and its samples its name."""
    assert text.endswith("\n")
    samples = []
    names = []
    for family in text_string_to_metric_families(text):
        names.append(family.name)
        assert family.type == "gauge", family.name  # a sample without TYPE would be 'unknown'
        assert family.documentation, f"{family.name} has no HELP"
        assert family.samples, f"{family.name} has no samples"
        for sample in family.samples:
            assert sample.name == family.name
            assert set(sample.labels) == FAMILIES[family.name], (family.name, sample.labels)
        samples.extend(family.samples)
    assert len(names) == len(set(names)), "a family declared twice"
    assert [line.split(" ")[2] for line in text.splitlines() if line.startswith("# HELP ")] == names
    assert [line.split(" ")[2] for line in text.splitlines() if line.startswith("# TYPE ")] == names
    return samples


def value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) == 1, (name, labels, found)
    return found[0]


def series(doc: dict[str, Any]) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    return {(s.name, tuple(sorted(s.labels.items()))) for s in parse(render_metrics(doc))}


def test_every_family_parses(any_doc: dict[str, Any]) -> None:
    samples = parse(render_metrics(any_doc))
    assert len(series(any_doc)) == len(samples), "duplicate series"
    assert {s.name for s in samples} <= set(FAMILIES)


def test_only_the_info_family_carries_the_run_id(any_doc: dict[str, Any]) -> None:
    samples = parse(render_metrics(any_doc))
    [info] = [s for s in samples if "run_id" in s.labels]
    assert info.name == "harness_run_info" and info.value == 1
    assert info.labels == {
        "run_id": any_doc["run"]["run_id"],
        "status": any_doc["run"]["status"],
        "verdict": any_doc["verdict"]["label"],
        "control": "legacy",
        "candidate": "enhanced",
        "version": "0.1.0",
    }
    assert not [s for s in samples if "date" in s.labels]


def test_the_series_do_not_grow_with_every_run() -> None:
    first = series(document("not-ready", run_id="20240301_101500_ab12"))
    second = series(document("not-ready", run_id="20240302_080000_cd34"))
    assert first - second == {s for s in first if s[0] == "harness_run_info"}
    assert len(first - second) == 1 and len(second - first) == 1


def test_run_figures(not_ready_doc: dict[str, Any]) -> None:
    samples = parse(render_metrics(not_ready_doc))
    assert value(samples, "harness_ready") == 0
    assert value(samples, "harness_run_started_timestamp_seconds") == 1795591800  # 2026-11-25T07:30:00Z
    assert value(samples, "harness_run_finished_timestamp_seconds") == 1795591870
    assert value(samples, "harness_verdicts", verdict="MISMATCH") == 1
    assert value(samples, "harness_verdicts", verdict="MATCH") == 12
    assert value(samples, "harness_books_verdicts", verdict="MISMATCH") == 1
    assert value(samples, "harness_books_verdicts", verdict="MATCH") == 5
    assert value(samples, "harness_entity_verdicts", entity="journals", verdict="ACCEPTED") == 1
    assert value(samples, "harness_entity_verdicts", entity="gl_entries", verdict="MISMATCH") == 1
    assert value(samples, "harness_entity_verdicts", entity="export", verdict="MATCH") == 2
    assert value(samples, "harness_accepted_differences", status="stale") == 1
    assert value(samples, "harness_dates") == 2
    assert value(samples, "harness_dates_by_state", state="matched") == 1
    assert value(samples, "harness_dates_by_state", state="mismatched") == 1
    assert value(samples, "harness_dates_by_state", state="failed") == 0


def test_timing_figures(not_ready_doc: dict[str, Any]) -> None:
    samples = parse(render_metrics(not_ready_doc))
    assert value(samples, "harness_side_seconds", side="control") == 3.95
    assert value(samples, "harness_side_seconds", side="candidate") == 0.25
    assert value(samples, "harness_phase_seconds", side="control", phase="process") == 3.95
    assert value(samples, "harness_phase_seconds", side="candidate", phase="GL posting") == 0.082
    assert value(samples, "harness_phase_rows", side="candidate", phase="GL posting") == 15600
    assert value(samples, "harness_logged_phase_seconds", side="control", phase="export") == 0.38
    assert value(samples, "harness_speedup_median") == 15.8  # of 15.9 and 15.7
    assert value(samples, "harness_speedup_min") == 15.7
    assert value(samples, "harness_input_rows", unit="transactions") == 4000
    assert value(samples, "harness_throughput_per_second", side="control", unit="transactions") == 1012.7
    assert value(samples, "harness_side_failed_dates", side="candidate") == 0


def test_row_figures(not_ready_doc: dict[str, Any]) -> None:
    samples = parse(render_metrics(not_ready_doc))
    assert value(samples, "harness_rows_compared", entity="gl_entries", side="candidate") == 15599
    assert value(samples, "harness_rows", entity="gl_entries", outcome="unexplained") == 4
    assert value(samples, "harness_rows", entity="journals", outcome="accepted") == 5


def test_a_failed_side_and_an_unfinished_run(failed_doc: dict[str, Any]) -> None:
    text = render_metrics(failed_doc)
    samples = parse(text)
    assert "harness_run_finished_timestamp_seconds" not in text
    assert value(samples, "harness_side_failed_dates", side="candidate") == 1
    assert value(samples, "harness_speedup_median") == 15.9  # 2024-03-02 has none
    assert (
        value(samples, "harness_throughput_per_second", side="candidate", unit="transactions") == 16666.7
    )  # 2000 / 0.12
    assert value(samples, "harness_dates_by_state", state="failed") == 1
    assert value(samples, "harness_dates_by_state", state="not_run") == 1
    assert value(samples, "harness_verdicts", verdict="FAILED") == 7
    assert value(samples, "harness_rows_compared", entity="gl_entries", side="control") == 7800


def test_no_speedup_at_all_leaves_the_family_out(failed_doc: dict[str, Any]) -> None:
    for t in failed_doc["timings"]:
        t["speedup"] = None
    text = render_metrics(failed_doc)
    parse(text)
    assert "harness_speedup" not in text


def test_label_values_are_escaped(not_ready_doc: dict[str, Any]) -> None:
    not_ready_doc["run"]["run_id"] = 'odd "id"\\ with\nnewline'
    text = render_metrics(not_ready_doc)
    samples = parse(text)
    assert 'run_id="odd \\"id\\"\\\\ with\\nnewline"' in text
    [info] = [s for s in samples if s.name == "harness_run_info"]
    assert info.labels["run_id"] == 'odd "id"\\ with\nnewline'


def test_the_output_is_deterministic(not_ready_doc: dict[str, Any]) -> None:
    assert render_metrics(not_ready_doc) == render_metrics(document("not-ready"))


def test_without_a_unit_no_input_or_throughput_family(not_ready_doc: dict[str, Any]) -> None:
    text = render_metrics({**not_ready_doc, "unit": None})
    assert "harness_input_rows" not in text and "harness_throughput_per_second" not in text
    assert value(parse(text), "harness_side_seconds", side="control") == 3.95
