"""The report's comparison details: what was not explained first, accepted samples set apart.

A comparison is unexplained when its verdict is one a reader must act on (MISMATCH, FAILED,
NO_OUTPUT, REWRITTEN); its details open the report, right after the root causes, so the one
real mismatch is not buried below pages of samples of accepted differences.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from reports import formatting
from reports.summary import per_side_text

UNEXPLAINED = frozenset({"MISMATCH", "FAILED", "NO_OUTPUT", "REWRITTEN"})
"""Verdicts of comparisons whose details lead the report."""


def detail_anchor(day: str, entity: str) -> str:
    return f"cmp-{day}-{formatting.slug(entity)}"


def has_detail(comparison: dict[str, Any]) -> bool:
    return comparison["verdict"] != "MATCH" or bool(comparison["samples"] or comparison["patterns"])


def details(comparisons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The details of `comparisons` (in date order), unexplained ones first."""
    found = [detail(c) for c in comparisons if has_detail(c)]
    return sorted(found, key=lambda d: not d["unexplained"])


def detail(comparison: dict[str, Any]) -> dict[str, Any]:
    counts = comparison["counts"]
    differing = counts["different"] + counts["control_only"] + counts["candidate_only"] if counts else 0
    samples = [sample(s) for s in comparison["samples"]]
    accepted = [s for s in samples if s["accepted_by"]]
    patterns = [
        {**p, "context_text": ", ".join(f"{k}={formatting.value(v)}" for k, v in p["context"].items())}
        for p in comparison["patterns"]
    ]
    return {
        "comparison": comparison,
        "unexplained": comparison["verdict"] in UNEXPLAINED,
        "differing_keys": differing,
        "capped": bool(counts) and counts["examined"] < differing,
        "anchor": detail_anchor(comparison["business_date"], comparison["entity"]),
        "patterns": sorted(patterns, key=lambda p: bool(p["accepted_by"])),
        "samples": [s for s in samples if not s["accepted_by"]],
        "accepted_samples": accepted,
        "accepted_summary": _accepted_summary(accepted),
    }


def _accepted_summary(accepted: list[dict[str, Any]]) -> str:
    """'5 accepted samples (legacy-json-escaping: 3, fx-rounding: 2)'."""
    if not accepted:
        return ""
    by_entry = Counter(s["accepted_by"] for s in accepted)
    entries = ", ".join(f"{entry}: {formatting.count(n)}" for entry, n in by_entry.items())
    noun = "sample" if len(accepted) == 1 else "samples"
    return f"{formatting.count(len(accepted))} accepted {noun} ({entries})"


def sample(item: dict[str, Any]) -> dict[str, Any]:
    """A sample as rows of (column, control, candidate), differing columns first."""
    control = item["control"]
    candidate = item["candidate"]
    differing = list(item["differing"])
    columns = list(differing)
    for side in (control, candidate):
        columns += [c for c in (side or {}) if c not in columns]
    return {
        "key": formatting.key_text(item["key"]),
        "kind": item["kind"] + per_side_text(item),
        "accepted_by": item["accepted_by"],
        "rows": [
            {
                "column": column,
                "differs": column in differing,
                "control": _cell(control, column),
                "candidate": _cell(candidate, column),
            }
            for column in columns
        ],
    }


def _cell(row: dict[str, Any] | None, column: str) -> dict[str, Any]:
    if row is None:
        return {"text": "no row", "css": "absent"}
    if column not in row:
        return {"text": "not shown", "css": "absent"}
    item = row[column]
    return {"text": formatting.value(item), "css": "null" if item is None else ""}
