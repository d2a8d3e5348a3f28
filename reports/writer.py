"""Write every report of a run into one directory."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.csvs import csv_name, differing_entities, entity_csvs, samples_name
from reports.errors import InvalidRunDocument
from reports.html import render_html
from reports.junit import render_junit
from reports.metrics import render_metrics
from reports.schema import validate_document

HTML = "report.html"
JSON = "run.json"
JUNIT = "junit.xml"
MISMATCHES = "mismatches"

KeyLists = Callable[[str], Iterable[bytes | str] | None]
"""Entity -> its complete list of differing keys as CSV chunks (header first), or None when
none is recorded of it; the chunks are written to disk as they come."""


@dataclass(frozen=True)
class ReportFiles:
    """Where write_reports put each report."""

    html: Path
    json: Path
    junit: Path
    mismatches: dict[str, Path]
    """Entity -> its CSV of every differing key, for the entities with one (given key_lists)."""
    samples: dict[str, Path]
    """Entity -> its CSV of sampled mismatches, for the entities with sampled rows only."""
    metrics: Path | None = None


def render_json(doc: dict[str, Any]) -> str:
    """The run document itself as JSON (its `schema_version` names the schema it follows)."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_reports(
    doc: dict[str, Any], out_dir: Path, *, metrics: Path | None = None, key_lists: KeyLists | None = None
) -> ReportFiles:
    """Validate the run document, then write report.html, run.json, junit.xml, and under
    mismatches/ (only if some entity has a file there): <entity>.csv, every differing key of
    each entity with one, from ``key_lists`` (none without it), and <entity>.samples.csv,
    the sampled rows of each entity with some, from the document. Also the Prometheus
    metrics to `metrics`, if given.

    Raises InvalidRunDocument, naming every problem, before writing anything.
    """
    errors = validate_document(doc)
    if errors:
        raise InvalidRunDocument(errors)
    files = ReportFiles(
        html=_write(out_dir / HTML, render_html(doc)),
        json=_write(out_dir / JSON, render_json(doc)),
        junit=_write(out_dir / JUNIT, render_junit(doc)),
        mismatches=_write_lists(doc, out_dir / MISMATCHES, key_lists),
        samples=_write_samples(doc, out_dir / MISMATCHES),
        metrics=_write(metrics, render_metrics(doc)) if metrics else None,
    )
    return files


# The file of a run's entity that this render does not write, left by an earlier render into
# the same directory, is removed so that none can pass for this run's evidence.


def _write_samples(doc: dict[str, Any], csv_dir: Path) -> dict[str, Path]:
    """Each sampled entity's CSV of samples."""
    texts = entity_csvs(doc)
    for entity in doc["entities"]:
        if entity not in texts:
            (csv_dir / samples_name(entity)).unlink(missing_ok=True)
    return {entity: _write(csv_dir / samples_name(entity), text) for entity, text in texts.items()}


def _write_lists(doc: dict[str, Any], csv_dir: Path, key_lists: KeyLists | None) -> dict[str, Path]:
    """Each differing entity's complete list, streamed to disk."""
    written = {}
    differing = set(differing_entities(doc))
    for entity in doc["entities"]:
        path = csv_dir / csv_name(entity)
        chunks = key_lists(entity) if key_lists and entity in differing else None
        if chunks is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")  # never a half list under the list's name
        try:
            with partial.open("wb") as out:
                for chunk in chunks:
                    out.write(chunk.encode() if isinstance(chunk, str) else chunk)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        written[entity] = partial.replace(path)
    return written


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path
