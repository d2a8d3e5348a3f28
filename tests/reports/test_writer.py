"""write_reports: every report of a run in one directory."""

from __future__ import annotations

import json
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
    assert files.mismatches == {e: out / "mismatches" / f"{e}.csv" for e in ("journals", "gl_entries")}
    assert sorted(p.name for p in (out / "mismatches").iterdir()) == ["gl_entries.csv", "journals.csv"]
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
    assert files.mismatches == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml", "report.html", "run.json"]


def test_a_stale_csv_of_an_entity_without_samples_is_removed(
    not_ready_doc: dict[str, Any], ready_doc: dict[str, Any], tmp_path: Path
) -> None:
    write_reports(not_ready_doc, tmp_path)
    (tmp_path / "mismatches" / "notes.txt").write_text("mine")
    files = write_reports(ready_doc, tmp_path)
    assert files.mismatches == {"journals": tmp_path / "mismatches" / "journals.csv"}
    assert sorted(p.name for p in (tmp_path / "mismatches").iterdir()) == ["journals.csv", "notes.txt"]
