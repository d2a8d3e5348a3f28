"""Hand-built coverage of the business cases for the report tests (harness.coverage_doc's shape)."""

from __future__ import annotations

from typing import Any

from tests.reports.parts import DATES

# (case, description, {cell: transactions per date})
CASES = (
    ("validation", "each rejection the rules can make, and acceptance", {"accepted": 1980, "NO_POLICY": 6}),
    ("rounding line", "the FX rounding line on account 7999", {"Cr 7999": 31, "Dr 7999": 28, "none": 1900}),
    ("amount", "zero, negative, positive, extreme", {"zero": 2, "negative": 160, "positive": 1824}),
)


def coverage_of(differing: dict[str, int] | None = None, failed_date: str | None = None) -> dict[str, Any]:
    """Every cell matched, except ``differing`` ({cell: units}, on the last date) and every cell
    of ``failed_date`` (unjudged: a side failed)."""
    differing = differing or {}
    by_date = {
        day: [
            _cell(case, cell, units, day, differing, failed_date)
            for case, _, cells in CASES
            for cell, units in cells.items()
        ]
        for day in DATES
    }
    return {"cases": [_case(name, text, by_date) for name, text, _ in CASES], "by_date": by_date}


def _cell(
    case: str, cell: str, units: int, day: str, differing: dict[str, int], failed_date: str | None
) -> dict[str, Any]:
    found = differing.get(cell, 0) if day == DATES[-1] else 0
    status = "unjudged" if day == failed_date else ("differs" if found else "matched")
    note = "gl_entries is FAILED" if day == failed_date else ""
    return {
        "case": case,
        "cell": cell,
        "units": units,
        "differing": found,
        "accepted": 0,
        "status": status,
        "note": note,
    }


def _case(name: str, text: str, by_date: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    mine = [c for day in by_date.values() for c in day if c["case"] == name]
    cells = []
    for cell in dict.fromkeys(c["cell"] for c in mine):
        days = [c for c in mine if c["cell"] == cell]
        statuses = {c["status"] for c in days}
        cells.append(
            {
                "cell": cell,
                "units": sum(c["units"] for c in days),
                "differing": sum(c["differing"] for c in days),
                "accepted": 0,
                "dates": len(days),
                "status": next(s for s in ("differs", "unjudged", "matched") if s in statuses),
                "notes": sorted({c["note"] for c in days if c["note"]}),
            }
        )
    statuses = {c["status"] for c in cells}
    return {
        "name": name,
        "description": text,
        "lineage": "transaction",
        "units": sum(c["units"] for c in cells),
        "status": next(s for s in ("differs", "unjudged", "matched") if s in statuses),
        "errors": [],
        "cells": cells,
    }
