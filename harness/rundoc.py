"""Build the run document (docs/run-document.md) from a run's ledger entries alone."""

from __future__ import annotations

import shlex
from collections import Counter
from typing import Any

from harness.ledger import Entry

SCHEMA_VERSION = 1
PHASE_ORDER = ("data fetch", "journal creation", "GL posting", "voucher creation", "export")
READY_VERDICTS = {"MATCH", "ACCEPTED"}


def build_document(entries: list[Entry], accepted: list[dict[str, Any]]) -> dict[str, Any]:
    """The run document; ``accepted`` is the run-level summary of accepted differences."""
    started = _one(entries, "run_started")
    finished = [e for e in entries if e.kind == "run_finished"]
    comparisons = [e.body for e in entries if e.kind == "comparison"]
    executions = [e.body for e in entries if e.kind == "execution"]
    dates_done = [e.body for e in entries if e.kind == "date_finished"]
    entity_names = _entities(comparisons)
    start = started.body
    return {
        "schema_version": SCHEMA_VERSION,
        "run": _run(start, finished[-1].body if finished else None, entries),
        "verdict": verdict(start["dates"], comparisons, dates_done, finished),
        "sides": start["sides"],
        "isolation": start["isolation"],
        "entities": entity_names,
        "matrix": _matrix(start["dates"], entity_names, comparisons),
        "timings": _timings(start["dates"], executions, dates_done),
        "phase_names": _phase_names(executions),
        "comparisons": comparisons,
        "invariants": [i for d in dates_done for i in d.get("invariants", [])],
        "accepted_differences": accepted,
        "provenance": _provenance(start, finished[-1].body if finished else None),
    }


def _one(entries: list[Entry], kind: str) -> Entry:
    for entry in entries:
        if entry.kind == kind:
            return entry
    raise ValueError(f"run has no {kind} entry")


def _run(start: dict[str, Any], end: dict[str, Any] | None, entries: list[Entry]) -> dict[str, Any]:
    return {
        "run_id": start["run_id"],
        "status": end["status"] if end else "running",
        "started_at": start["started_at"],
        "finished_at": end["finished_at"] if end else None,
        "dates": start["dates"],
        "command_line": start["command_line"],
        "user": start["user"],
        "host": start["host"],
        "harness_version": start["harness_version"],
        "ledger_hash": entries[-1].hash,
        "ledger_seq": [entries[0].seq, entries[-1].seq],
    }


def verdict(
    dates: list[str],
    comparisons: list[dict[str, Any]],
    dates_done: list[dict[str, Any]],
    finished: list[Entry],
) -> dict[str, Any]:
    counts = Counter(c["verdict"] for c in comparisons)
    reasons = [_reason(c) for c in comparisons if c["verdict"] not in READY_VERDICTS]
    recorded = {d["business_date"] for d in dates_done}
    missing = [d for d in dates if d not in recorded]
    if missing:
        reasons.append(f"{len(missing)} date(s) not compared: {', '.join(missing)}")
    empty = [d["business_date"] for d in dates_done if d.get("transactions") == 0]
    reasons.extend(f"{d}: no transactions in the source for this date" for d in empty)
    for d in dates_done:
        for inv in d.get("invariants", []):
            if inv["label"] == "candidate" and not inv["holds"]:
                reasons.append(f"{d['business_date']} candidate invariant broken: {inv['name']}")
    if finished and finished[-1].body["status"] != "completed":
        reasons.append(f"run {finished[-1].body['status']}")
    if not comparisons:
        reasons.append("nothing was compared")
    ready = not reasons
    return {
        "ready": ready,
        "label": "READY" if ready else "NOT READY",
        "reasons": reasons,
        "counts": {v: counts.get(v, 0) for v in ("MATCH", "ACCEPTED", "MISMATCH", "FAILED")},
    }


def _reason(result: dict[str, Any]) -> str:
    head = f"{result['business_date']} {result['entity']}: {result['verdict']}"
    if result["verdict"] == "FAILED":
        return f"{head} ({result.get('error')})"
    counts = result.get("counts", {})
    parts = [
        f"{counts.get(k, 0)} {k.replace('_', '-')}"
        for k in ("different", "control_only", "candidate_only", "duplicate_keys")
        if counts.get(k)
    ]
    unexplained = counts.get("unexplained")
    if unexplained is not None:
        parts.append(f"{unexplained} unexplained")
    return f"{head} ({', '.join(parts)})" if parts else head


def _entities(comparisons: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for c in comparisons:
        if c["entity"] not in names:
            names.append(c["entity"])
    return names


def _matrix(dates: list[str], entities: list[str], comparisons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = {(c["business_date"], c["entity"]): c["verdict"] for c in comparisons}
    return [
        {
            "business_date": d,
            "cells": [{"entity": e, "verdict": found.get((d, e), "NOT RUN")} for e in entities],
        }
        for d in dates
    ]


def _timings(
    dates: list[str], executions: list[dict[str, Any]], dates_done: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    by_key = {(e["business_date"], e["label"]): e for e in executions}
    transactions = {d["business_date"]: d.get("transactions", 0) for d in dates_done}
    rows = []
    for day in dates:
        control, candidate = by_key.get((day, "control")), by_key.get((day, "candidate"))
        if control is None and candidate is None:
            continue
        count = transactions.get(day, 0)
        rows.append(
            {
                "business_date": day,
                "control": _side_timing(control),
                "candidate": _side_timing(candidate),
                "speedup": _speedup(control, candidate),
                "transactions": count,
                "throughput": {
                    label: _rate(count, ex) for label, ex in (("control", control), ("candidate", candidate))
                },
            }
        )
    return rows


def _side_timing(execution: dict[str, Any] | None) -> dict[str, Any] | None:
    if execution is None:
        return None
    keys = ("status", "error", "seconds", "phases", "logged_phases")
    return {k: execution.get(k) for k in keys}


def _speedup(control: dict[str, Any] | None, candidate: dict[str, Any] | None) -> float | None:
    if not control or not candidate or "FAILED" in (control["status"], candidate["status"]):
        return None
    return round(float(control["seconds"]) / float(candidate["seconds"]), 2) if candidate["seconds"] else None


def _rate(count: int, execution: dict[str, Any] | None) -> float | None:
    if not execution or execution["status"] == "FAILED" or not execution["seconds"]:
        return None
    return round(count / float(execution["seconds"]), 1)


def _phase_names(executions: list[dict[str, Any]]) -> list[str]:
    seen = {p["name"] for e in executions for p in [*e["phases"], *e.get("logged_phases", [])]}
    ordered = [p for p in PHASE_ORDER if p in seen]
    return ordered + sorted(seen - set(ordered))


def _provenance(start: dict[str, Any], end: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "config": start["config"],
        "input_fingerprints": start["input_fingerprints"],
        "source_fingerprints_before": start["source_fingerprints"],
        "source_fingerprints_after": end["source_fingerprints"] if end else None,
        "server": start["server"],
        "settings": start["settings"],
        "reproduce": reproduce_command(start),
    }


def reproduce_command(start: dict[str, Any]) -> str:
    parts = ["harness", "run", "--dates", ",".join(start["dates"])]
    config_path = start["config"]["path"]
    if not config_path.startswith("<bundled"):
        parts += ["--config", config_path]
    options = start.get("options", {})
    if options.get("concurrent"):
        parts.append("--concurrent")
    if options.get("phase_timeout"):
        parts += ["--phase-timeout", str(options["phase_timeout"])]
    if not start["isolation"]["roles"]:
        parts.append("--no-role-isolation")
    return shlex.join(parts)
