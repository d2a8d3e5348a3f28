"""The HTML report's view model: the run document rearranged into what each section shows.

Only presentation happens here (grouping, pivoting, sums for display, ordering, anchors);
verdicts and figures come finished from the run document.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from reports import charts, formatting
from reports.books import books_view
from reports.coverage_view import coverage_view
from reports.details import detail_anchor, details, has_detail
from reports.functions_view import functions_view
from reports.trend_chart import trend_view

VERDICTS = ("MATCH", "ACCEPTED", "MISMATCH", "FAILED", "NO_OUTPUT", "REWRITTEN")
COUNT_COLUMNS = (
    ("control_rows", "Control rows"),
    ("candidate_rows", "Candidate rows"),
    ("equal", "Equal"),
    ("different", "Different"),
    ("control_only", "Control only"),
    ("candidate_only", "Candidate only"),
    ("duplicate_keys", "Duplicate keys"),
    ("within_tolerance", "Within tolerance"),
    ("invalid_json", "Invalid JSON"),
    ("accepted", "Accepted"),
    ("unexplained", "Unexplained"),
    ("examined", "Examined"),
)
"""Counts shown per comparison, in the order a reader reconciles them."""
FLAGGED = frozenset(
    {"different", "control_only", "candidate_only", "duplicate_keys", "invalid_json", "unexplained"}
)
"""Counts drawn attention to when they are not zero."""


def build(doc: dict[str, Any]) -> dict[str, Any]:
    """Everything the templates need, keyed by section."""
    counts = {v: doc["verdict"]["counts"].get(v, 0) for v in VERDICTS}
    entities = [_entity(doc, entity) for entity in doc["entities"]]
    return {
        "doc": doc,
        "run": doc["run"],
        "verdict": {**doc["verdict"], "counts": counts},
        # the four everyday verdicts always; NO_OUTPUT and REWRITTEN only when they occurred
        "verdicts": [v for v in VERDICTS if v in VERDICTS[:4] or counts[v]],
        "duration": _duration(doc["run"]),
        "scope": _scope(doc),
        "matrix": _matrix(doc),
        "books": books_view(doc),
        "coverage": coverage_view(doc),
        "timings": _timings(doc),
        "root_causes": [_root_cause(cause) for cause in doc["root_causes"]],
        "entities": entities,
        # every unexplained comparison's details, right after the root causes (issue #19)
        "unexplained": [d for e in entities for d in e["details"] if d["unexplained"]],
        "count_columns": COUNT_COLUMNS,
        "flagged": FLAGGED,
        "invariants": _invariants(doc["invariants"]),
        "method": _method(doc),
        "accepted": _accepted(doc["accepted_differences"]),
        "provenance": _provenance(doc),
    }


def _method(doc: dict[str, Any]) -> dict[str, Any]:
    """The config's rules as the run recorded them; a run from before they were recorded
    lists the invariants it checked by name."""
    method = doc["method"]
    calibration = method.get("calibration")
    names = list(dict.fromkeys(i["name"] for i in doc["invariants"]))
    return {
        "unit": doc["unit"],
        "title": method.get("invariants_title", "invariants"),
        "entities": [_method_entity(e, calibration) for e in method.get("entities", [])],
        "invariants": method.get("invariants") or [{"name": n, "description": ""} for n in names],
        "calibration": calibration,
        "engine": engine_line(method.get("compare")),
        "unsupported": [f"{i['entity']}.{i['column']}" for i in calibration["ignores"] if not i["supported"]]
        if calibration
        else [],
    }


def engine_line(compare: dict[str, Any] | None) -> str:
    """Which engine compared: PostgreSQL (runs recorded before the engine was), or Spark."""
    if not compare or compare.get("engine") != "spark":
        return "PostgreSQL"
    spark = compare.get("spark") or {}
    parts = spark.get("partitions")
    split = f"{parts} JDBC partitions per side read" if parts else "JDBC reads split by Spark's parallelism"
    return f"Apache Spark at {spark.get('master', 'local[*]')}, {split}"


def _method_entity(entity: dict[str, Any], calibration: dict[str, Any] | None) -> dict[str, Any]:
    tolerances = ", ".join(f"{c} ±{n} minor unit(s)" for c, n in entity["tolerances"].items())
    normalizers = ", ".join(f"{c}: {rule}" for c, rule in entity["normalizers"].items())
    checks = (calibration or {}).get("ignores", [])
    checked = {i["column"]: i for i in checks if i["entity"] == entity["name"]}
    ignores = [{"column": c, "check": checked.get(c)} for c in entity["ignore"]]
    return {**entity, "tolerances": tolerances, "normalizers": normalizers, "ignores": ignores}


def _duration(run: dict[str, Any]) -> float | None:
    if not run["finished_at"]:
        return None
    delta = datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])
    return delta.total_seconds()


def _sum(values: Iterable[int | None]) -> int:
    return sum(v for v in values if v is not None)


def _entity_anchor(entity: str) -> str:
    return f"entity-{formatting.slug(entity)}"


def _comparisons(doc: dict[str, Any], entity: str) -> list[dict[str, Any]]:
    order = {day: i for i, day in enumerate(doc["run"]["dates"])}
    found = [c for c in doc["comparisons"] if c["entity"] == entity]
    return sorted(found, key=lambda c: order.get(c["business_date"], len(order)))


def _scope(doc: dict[str, Any]) -> dict[str, Any]:
    recorded = [row["business_date"] for row in doc["matrix"]]
    rows = []
    for entity in doc["entities"]:
        counted = [c["counts"] for c in _comparisons(doc, entity) if c["counts"]]
        keys = [c["key"] for c in _comparisons(doc, entity)]
        rows.append(
            {
                "entity": entity,
                "anchor": _entity_anchor(entity),
                "key": keys[0] if keys else [],
                "control_rows": _sum(c["control_rows"] for c in counted),
                "candidate_rows": _sum(c["candidate_rows"] for c in counted),
            }
        )
    return {
        "dates": doc["run"]["dates"],
        "recorded": recorded,
        "comparisons": len(doc["comparisons"]),
        "missing": [day for day in doc["run"]["dates"] if day not in recorded],
        "rows": rows,
        "control_rows": _sum(r["control_rows"] for r in rows),
        "candidate_rows": _sum(r["candidate_rows"] for r in rows),
    }


def _matrix(doc: dict[str, Any]) -> list[dict[str, Any]]:
    detailed = {(c["business_date"], c["entity"]) for c in doc["comparisons"] if has_detail(c)}
    rows = []
    for row in doc["matrix"]:
        day = row["business_date"]
        cells = [
            {
                "entity": cell["entity"],
                "verdict": cell["verdict"],
                "href": "#"
                + (
                    detail_anchor(day, cell["entity"])
                    if (day, cell["entity"]) in detailed
                    else _entity_anchor(cell["entity"])
                ),
            }
            for cell in row["cells"]
        ]
        rows.append({"date": day, "cells": cells})
    return rows


def servers_apart(doc: dict[str, Any]) -> str | None:
    """Why the speedup is not like-for-like: the sides ran on different servers (None: one)."""
    servers = doc["provenance"].get("servers") or {}
    control, candidate = servers.get("control"), servers.get("candidate")
    if not control or not candidate or control["uri"] == candidate["uri"]:
        return None
    return (
        f"the control ran on PostgreSQL {control['server_version']} at {control['host']} and the candidate "
        f"on PostgreSQL {candidate['server_version']} at {candidate['host']}: a speedup across servers is "
        "not a like-for-like figure unless the servers' hardware and settings match"
    )


def _timings(doc: dict[str, Any]) -> dict[str, Any]:
    timings = doc["timings"]
    return {
        "rows": timings,
        "totals_chart": charts.totals_chart(timings) if timings else None,
        "functions": functions_view(doc),
        "phase_charts": [charts.phase_chart(t, doc["phase_names"]) for t in timings],
        "trend": trend_view(doc),
        "logged": any(t[side]["logged_phases"] for t in timings for side in charts.SIDES),
        "plans": [
            t[side]["plans"] for t in timings for side in charts.SIDES if t[side] and t[side].get("plans")
        ],
        "repeated": any(t[side] and t[side].get("repeats") for t in timings for side in charts.SIDES),
        "apart": servers_apart(doc),
        "failures": [
            {"date": t["business_date"], "side": side, "error": t[side]["error"]}
            for t in timings
            for side in charts.SIDES
            if t[side]["status"] != "OK"
        ],
    }


def _entity(doc: dict[str, Any], entity: str) -> dict[str, Any]:
    found = _comparisons(doc, entity)
    return {
        "name": entity,
        "anchor": _entity_anchor(entity),
        "key": found[0]["key"] if found else [],
        "rows": found,
        "details": details(found),
    }


def _root_cause(cause: dict[str, Any]) -> dict[str, Any]:
    day = cause["business_date"]
    return {
        **cause,
        "links": [{"entity": e, "href": "#" + detail_anchor(day, e)} for e in cause["entities"]],
        "unsampled_text": ", ".join(
            f"{formatting.count(n)} more unexplained {e} row{'s' if n != 1 else ''}"
            for e, n in cause["unsampled"].items()
        ),
    }


def _invariants(invariants: list[dict[str, Any]]) -> dict[str, Any]:
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for item in invariants:
        row = table.setdefault(
            (item["business_date"], item["name"]), {"date": item["business_date"], "name": item["name"]}
        )
        row[item["label"]] = item
    rows = sorted(table.values(), key=lambda r: r["date"])
    for i, row in enumerate(rows):
        first = i == 0 or rows[i - 1]["date"] != row["date"]
        row["date_rows"] = sum(1 for r in rows if r["date"] == row["date"]) if first else 0
    broken = {
        side: sum(1 for i in invariants if i["label"] == side and not i["holds"]) for side in charts.SIDES
    }
    return {"rows": rows, "broken": broken}


def _accepted(entries: list[dict[str, Any]]) -> dict[str, Any]:
    # documents from before expectations existed have neither key
    entries = [{**e, "expect": e.get("expect"), "rows_unmet": e.get("rows_unmet")} for e in entries]
    return {
        "rows": entries,
        "stale": [e for e in entries if e["status"] == "stale"],
        "expired": [e for e in entries if e["status"] == "expired"],
    }


def _provenance(doc: dict[str, Any]) -> dict[str, Any]:
    provenance = doc["provenance"]
    before = provenance["source_fingerprints_before"]
    after = provenance["source_fingerprints_after"] or {}  # the run never finished
    sources = [
        {
            "table": table,
            "before": _fingerprint(before.get(table)),
            "after": _fingerprint(after.get(table)),
            "changed": bool(after) and before.get(table) != after.get(table),
        }
        for table in sorted(before.keys() | after.keys())
    ]
    return {
        **provenance,
        "servers": provenance.get("servers") or {},  # absent from runs recorded before two servers
        "sides": [(label, doc["sides"][label]) for label in charts.SIDES],
        "sources": sources,
        "sources_changed": any(s["changed"] for s in sources),
        # no 'after' to compare with: the run did not finish, or the source's server was gone
        "sources_unread": bool(before) and not after,
    }


def _fingerprint(fingerprint: Any) -> str:
    if isinstance(fingerprint, dict) and fingerprint.keys() == {"rows", "digest"}:
        return f"{formatting.count(fingerprint['rows'])} rows, {fingerprint['digest']}"
    return formatting.optional(fingerprint)
