"""write_reports: every report of a run in one directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reports import InvalidRunDocument, render_html, write_reports


def test_writes_every_report(not_ready_doc: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "harness-report" / "run"
    files = write_reports(not_ready_doc, out, metrics=tmp_path / "metrics.prom")
    assert files.html == out / "report.html"
    assert files.html.read_text(encoding="utf-8") == render_html(not_ready_doc)
    assert json.loads(files.json.read_text(encoding="utf-8")) == not_ready_doc
    assert files.junit.read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert files.mismatches == {}  # no key lists given: the samples only
    assert files.samples == {e: out / "mismatches" / f"{e}.samples.csv" for e in ("journals", "gl_entries")}
    assert sorted(p.name for p in (out / "mismatches").iterdir()) == [
        "gl_entries.samples.csv",
        "journals.samples.csv",
    ]
    assert files.metrics is not None and "harness_ready" in files.metrics.read_text()
    assert sorted(p.name for p in out.iterdir()) == ["junit.xml", "mismatches", "report.html", "run.json"]


def test_without_metrics_writes_none(ready_doc: dict[str, Any], tmp_path: Path) -> None:
    assert write_reports(ready_doc, tmp_path).metrics is None


def test_an_invalid_document_writes_nothing(not_ready_doc: dict[str, Any], tmp_path: Path) -> None:
    del not_ready_doc["verdict"]
    with pytest.raises(
        InvalidRunDocument, match=r"invalid \(1 errors\):\n  \$: 'verdict' is a required property"
    ):
        write_reports(not_ready_doc, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_no_mismatches_directory_without_sampled_rows(ready_doc: dict[str, Any], tmp_path: Path) -> None:
    for comparison in ready_doc["comparisons"]:
        comparison["samples"] = []
    files = write_reports(ready_doc, tmp_path)
    assert files.mismatches == files.samples == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml", "report.html", "run.json"]


def test_a_stale_csv_of_an_entity_without_samples_is_removed(
    not_ready_doc: dict[str, Any], ready_doc: dict[str, Any], tmp_path: Path
) -> None:
    write_reports(not_ready_doc, tmp_path, key_lists=listed)
    (tmp_path / "mismatches" / "notes.txt").write_text("mine")
    files = write_reports(ready_doc, tmp_path)
    assert files.samples == {"journals": tmp_path / "mismatches" / "journals.samples.csv"}
    assert sorted(p.name for p in (tmp_path / "mismatches").iterdir()) == [
        "journals.samples.csv",
        "notes.txt",
    ]


HEADER = b"business_date,entity,txn_reference,kind,differing,accepted_by\n"
calls: list[str] = []


def listed(entity: str) -> Iterator[bytes]:
    """A key list of 3 lines per entity, in chunks as a COPY sends them."""
    calls.append(entity)
    yield HEADER
    for n in range(3):
        yield f'"2024-03-02","{entity}","K-{n}","different","amount",\n'.encode()


def test_every_differing_key_goes_to_the_entitys_csv(not_ready_doc: dict[str, Any], tmp_path: Path) -> None:
    calls.clear()
    files = write_reports(not_ready_doc, tmp_path, key_lists=listed)
    assert calls == ["journals", "gl_entries"]  # only the entities with a differing key
    assert files.mismatches == {e: tmp_path / "mismatches" / f"{e}.csv" for e in ("journals", "gl_entries")}
    text = files.mismatches["gl_entries"].read_bytes()
    assert text.startswith(HEADER) and text.count(b"\n") == 4 and b'"K-2"' in text
    assert sorted(p.name for p in (tmp_path / "mismatches").iterdir()) == [
        "gl_entries.csv",
        "gl_entries.samples.csv",
        "journals.csv",
        "journals.samples.csv",
    ]


def test_an_entity_without_a_recorded_list_has_no_list_file(
    not_ready_doc: dict[str, Any], tmp_path: Path
) -> None:
    write_reports(not_ready_doc, tmp_path, key_lists=listed)
    files = write_reports(not_ready_doc, tmp_path, key_lists=lambda e: listed(e) if e == "journals" else None)
    assert list(files.mismatches) == ["journals"]
    assert not (tmp_path / "mismatches" / "gl_entries.csv").exists()  # the earlier render's, removed
    assert (tmp_path / "mismatches" / "gl_entries.samples.csv").exists()


def test_without_key_lists_an_earlier_list_is_removed(not_ready_doc: dict[str, Any], tmp_path: Path) -> None:
    write_reports(not_ready_doc, tmp_path, key_lists=listed)
    files = write_reports(not_ready_doc, tmp_path)
    assert files.mismatches == {}
    assert sorted(p.name for p in (tmp_path / "mismatches").iterdir()) == [
        "gl_entries.samples.csv",
        "journals.samples.csv",
    ]


def test_a_list_that_fails_midway_leaves_no_file(not_ready_doc: dict[str, Any], tmp_path: Path) -> None:
    def failing(entity: str) -> Iterator[bytes]:
        yield HEADER
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError):
        write_reports(not_ready_doc, tmp_path, key_lists=failing)
    assert sorted(p.name for p in (tmp_path / "mismatches").iterdir()) == []  # nor a partial one
