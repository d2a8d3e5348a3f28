"""Write every report of a run into one directory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.csvs import render_mismatch_csvs
from reports.errors import InvalidRunDocument
from reports.html import render_html
from reports.junit import render_junit
from reports.metrics import render_metrics
from reports.schema import validate_document

HTML = "report.html"
JSON = "run.json"
JUNIT = "junit.xml"
MISMATCHES = "mismatches"


@dataclass(frozen=True)
class ReportFiles:
    """Where write_reports put each report."""

    html: Path
    json: Path
    junit: Path
    mismatches: dict[str, Path]
    """Entity -> its CSV of examined mismatches."""
    metrics: Path | None = None


def render_json(doc: dict[str, Any]) -> str:
    """The run document itself as JSON (its `schema_version` names the schema it follows)."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_reports(doc: dict[str, Any], out_dir: Path, *, metrics: Path | None = None) -> ReportFiles:
    """Validate the run document, then write report.html, run.json, junit.xml and
    mismatches/<entity>.csv into `out_dir` (and the Prometheus metrics to `metrics`, if given).

    Raises InvalidRunDocument, naming every problem, before writing anything.
    """
    errors = validate_document(doc)
    if errors:
        raise InvalidRunDocument(errors)
    csv_dir = out_dir / MISMATCHES
    csv_dir.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(
        html=_write(out_dir / HTML, render_html(doc)),
        json=_write(out_dir / JSON, render_json(doc)),
        junit=_write(out_dir / JUNIT, render_junit(doc)),
        mismatches={
            entity: _write(csv_dir / name, text)
            for entity, (name, text) in zip(doc["entities"], render_mismatch_csvs(doc).items(), strict=True)
        },
        metrics=_write(metrics, render_metrics(doc)) if metrics else None,
    )
    return files


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path
