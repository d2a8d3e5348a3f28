"""CSV evidence of each entity's mismatches: the complete list, and the sampled rows.

``mismatches/<entity>.csv`` lists every differing key of the run's dates (streamed from the
ledger database by the caller of ``write_reports``; see reports.writer). Its columns:
business_date, entity, the entity's key columns, kind, differing (columns joined by ';'),
accepted_by.

``mismatches/<entity>.samples.csv``, rendered here from the run document, holds the sampled
rows only (at most max_detail_rows keys were examined): the same columns, then
control_<column> and candidate_<column> for every column a sample shows.

In both, every value is quoted; NULL is an empty unquoted field (PostgreSQL's COPY CSV
rule), so NULL and the empty string stay distinguishable.
"""

from __future__ import annotations

import json
import re
from typing import Any

FIXED = ("business_date", "entity")


def csv_name(entity: str) -> str:
    """The file name of an entity's complete list: 'gl_entries' -> 'gl_entries.csv'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", entity) + ".csv"


def samples_name(entity: str) -> str:
    """The file name of an entity's sampled rows: 'gl_entries' -> 'gl_entries.samples.csv'."""
    return csv_name(entity).removesuffix(".csv") + ".samples.csv"


def differing_entities(doc: dict[str, Any]) -> list[str]:
    """The run's entities with at least one differing key on its dates (accepted or not)."""
    differing = {
        c["entity"]
        for c in doc["comparisons"]
        if c.get("counts") and c["counts"]["accepted"] + c["counts"]["unexplained"]
    }
    return [entity for entity in doc["entities"] if entity in differing]


def render_mismatch_csvs(doc: dict[str, Any]) -> dict[str, str]:
    """File name -> sampled rows' CSV text, for every entity of the run with sampled rows, in
    the run's entity order."""
    return {samples_name(entity): text for entity, text in entity_csvs(doc).items()}


def entity_csvs(doc: dict[str, Any]) -> dict[str, str]:
    """Entity -> CSV text, for the entities with sampled rows only (no file of a header alone)."""
    sampled = {c["entity"] for c in doc["comparisons"] if c["samples"]}
    return {entity: _entity_csv(doc, entity) for entity in doc["entities"] if entity in sampled}


def _entity_csv(doc: dict[str, Any], entity: str) -> str:
    comparisons = [c for c in doc["comparisons"] if c["entity"] == entity]
    key = comparisons[0]["key"] if comparisons else []
    samples = [(c["business_date"], s) for c in comparisons for s in c["samples"]]
    columns: list[str] = []
    for _, s in samples:
        for row in (s["control"], s["candidate"]):
            columns += [c for c in (row or {}) if c not in columns]
    header = [
        *FIXED,
        *key,
        "kind",
        "differing",
        "accepted_by",
        *(f"{side}_{c}" for c in columns for side in ("control", "candidate")),
    ]
    lines = [_line(header)]
    for day, s in samples:
        fields: list[Any] = [
            day,
            entity,
            *(s["key"].get(k) for k in key),
            s["kind"],
            ";".join(s["differing"]),
            s["accepted_by"],
        ]
        for column in columns:
            fields += [(s[side] or {}).get(column) for side in ("control", "candidate")]
        lines.append(_line(fields))
    return "".join(lines)


def _line(fields: list[Any]) -> str:
    return ",".join(_field(f) for f in fields) + "\r\n"


def _field(item: Any) -> str:
    if item is None:
        return ""
    text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
    return '"' + text.replace('"', '""') + '"'
