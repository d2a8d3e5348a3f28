"""Write every report of a run into one directory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.csvs import csv_name, entity_csvs
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
    """Entity -> its CSV of examined mismatches, for the entities with sampled rows only."""
    metrics: Path | None = None


def render_json(doc: dict[str, Any]) -> str:
    """The run document itself as JSON (its `schema_version` names the schema it follows)."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_reports(doc: dict[str, Any], out_dir: Path, *, metrics: Path | None = None) -> ReportFiles:
    """Validate the run document, then write report.html, run.json, junit.xml and
    mismatches/<entity>.csv (for each entity with sampled rows; no mismatches/ when none has)
    into `out_dir` (and the Prometheus metrics to `metrics`, if given).

    Raises InvalidRunDocument, naming every problem, before writing anything.
    """
    errors = validate_document(doc)
    if errors:
        raise InvalidRunDocument(errors)
    files = ReportFiles(
        html=_write(out_dir / HTML, render_html(doc)),
        json=_write(out_dir / JSON, render_json(doc)),
        junit=_write(out_dir / JUNIT, render_junit(doc)),
        mismatches=_write_csvs(doc, out_dir / MISMATCHES),
        metrics=_write(metrics, render_metrics(doc)) if metrics else None,
    )
    return files


def _write_csvs(doc: dict[str, Any], csv_dir: Path) -> dict[str, Path]:
    """Each sampled entity's CSV; the CSV of a run's entity without samples, left by an earlier
    render into the same directory, is removed so that none can pass for this run's evidence."""
    texts = entity_csvs(doc)
    for entity in doc["entities"]:
        if entity not in texts:
            (csv_dir / csv_name(entity)).unlink(missing_ok=True)
    return {entity: _write(csv_dir / csv_name(entity), text) for entity, text in texts.items()}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path
