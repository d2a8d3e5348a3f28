"""The run document's coverage: each business case's cells over the run's recorded dates."""

from __future__ import annotations

from typing import Any

from harness.coverage import DIFFERS, FAILED, MATCHED, UNJUDGED

WORST_FIRST = (FAILED, DIFFERS, UNJUDGED, MATCHED)


def coverage(
    dates_done: list[dict[str, Any]],
    declared: list[dict[str, Any]],
    comparisons: list[dict[str, Any]],
    books: list[dict[str, Any]],
) -> dict[str, Any]:
    """``declared``: the cases the run's method recorded (name, description, lineage). A
    date's cells were judged when it was compared; a later finding against it (its books
    rewritten by a later date, the whole books differing) leaves them unjudged."""
    later = _later_findings(comparisons, books)
    by_date = {
        d["business_date"]: [
            _withdrawn(c, [*later.get(d["business_date"], []), *later.get("*", [])])
            for c in d.get("cases") or []
        ]
        for d in dates_done
    }
    cells = [c for day in by_date.values() for c in day]
    names = list(dict.fromkeys([*(c["name"] for c in declared), *(c["case"] for c in cells)]))
    described = {c["name"]: c for c in declared}
    return {
        "cases": [_case(name, described.get(name, {}), cells) for name in names],
        "by_date": {day: found for day, found in by_date.items() if found},
    }


def _case(name: str, described: dict[str, Any], cells: list[dict[str, Any]]) -> dict[str, Any]:
    mine = [c for c in cells if c["case"] == name]
    failures = sorted({c["note"] for c in mine if c["status"] == FAILED})
    names = sorted({c["cell"] for c in mine if c["cell"] is not None})
    summed = [_cell(cell, [c for c in mine if c["cell"] == cell]) for cell in names]
    return {
        "name": name,
        "description": described.get("description", ""),
        "lineage": described.get("lineage", ""),
        "units": sum(c["units"] for c in summed),
        "status": worst([*(c["status"] for c in summed), *([FAILED] if failures else [])]),
        "errors": failures,
        "cells": summed,
    }


def _cell(name: str, days: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "cell": name,
        "units": sum(d["units"] for d in days),
        "differing": sum(d["differing"] for d in days),
        "accepted": sum(d["accepted"] for d in days),
        "dates": len(days),
        "status": worst([d["status"] for d in days]),
        "notes": sorted({d["note"] for d in days if d["note"]}),
    }


def _later_findings(comparisons: list[dict[str, Any]], books: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Date -> why its cells' judgement no longer stands; "*" for every date."""
    found: dict[str, list[str]] = {}
    for c in comparisons:
        if c["verdict"] == "REWRITTEN":
            found.setdefault(c["business_date"], []).append(f"{c['entity']} was REWRITTEN by a later date")
    for c in books:
        if c["verdict"] not in ("MATCH", "ACCEPTED") and _beyond_dates(c, comparisons):
            found.setdefault("*", []).append(
                f"the whole books of {c['entity']} hold differences no date's comparison found"
            )
    return found


def _beyond_dates(books: dict[str, Any], comparisons: list[dict[str, Any]]) -> bool:
    """The whole books of an entity differ in more rows than its dates' comparisons did:
    differences in rows no date compared, which no cell can be traced to."""
    if books.get("counts") is None:
        return True
    dated = sum(
        (c.get("counts") or {}).get("unexplained", 0) for c in comparisons if c["entity"] == books["entity"]
    )
    return bool(int(books["counts"].get("unexplained", 0)) > dated)


def _withdrawn(cell: dict[str, Any], reasons: list[str]) -> dict[str, Any]:
    if cell["status"] != MATCHED or not reasons:
        return cell
    note = "; ".join(filter(None, [cell.get("note"), *reasons]))
    return {**cell, "status": UNJUDGED, "note": note}


def worst(statuses: list[str]) -> str:
    """The status that speaks for them all: matched only when every one matched; none is unjudged."""
    return next((s for s in WORST_FIRST if s in statuses), UNJUDGED)
