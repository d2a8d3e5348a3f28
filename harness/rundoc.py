"""Build the run document (docs/run-document.md) from a run's ledger record alone."""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Sequence
from typing import Any

from comparisons.result import Verdict
from harness.coverage_doc import coverage
from harness.ledger.entries import RunStatus
from harness.ledger.runs import RunRecord
from harness.readiness import DateEvidence, date_reasons
from harness.root_causes import root_causes
from harness.timings_doc import phase_names, timings
from harness.trend import trend
from reports.schema import SCHEMA_VERSION  # the run document's, one definition with its schema

READY_VERDICTS = {Verdict.MATCH, Verdict.ACCEPTED}
SIDE_LABELS = ("control", "candidate")


def build_document(record: RunRecord, earlier: Sequence[RunRecord] = ()) -> dict[str, Any]:
    """The run document of one run, whatever state the run is in; ``earlier``: the ledger's
    runs before it, whose times the trend compares this run's with."""
    start = record.started.to_body()
    comparisons = [c.to_body() for c in record.comparisons]
    executions = [e.to_body() for e in record.executions]
    dates_done = [d.to_body() for d in record.dates]
    end = record.finished.to_body() if record.finished else None
    entity_names = _entities(comparisons)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "run": _run(record),
        "unit": start["unit"],
        "method": start["method"],
        "sides": start["sides"],
        "isolation": start["isolation"],
        "entities": entity_names,
        "matrix": _matrix(start["dates"], entity_names, comparisons, dates_done),
        "timings": timings(start["dates"], executions, dates_done),
        "phase_names": phase_names(executions),
        "trend": trend(record, earlier),
        "root_causes": [cause.to_dict() for cause in root_causes(comparisons, start["lineage"])],
        "comparisons": comparisons,
        "books": [c.to_body() for c in record.books],
        "invariants": [i for d in dates_done for i in d.get("invariants", [])],
        "coverage": coverage(
            dates_done, start["method"].get("cases", []), comparisons, [c.to_body() for c in record.books]
        ),
        "accepted_differences": end["accepted_differences"] if end else [],
        "provenance": _provenance(start, end),
        # the run was a cutover date and was published (harness.cutover), else None
        "cutover": record.cutover.to_body() if record.cutover else None,
    }
    return {**doc, "verdict": verdict(record, doc)}


def _run(record: RunRecord) -> dict[str, Any]:
    start, end = record.started, record.finished
    return {
        "run_id": start.run_id,
        "status": str(record.status),
        "started_at": start.started_at,
        "finished_at": end.finished_at if end else None,
        "dates": start.dates,
        "command_line": start.command_line,
        "user": start.user,
        "host": start.host,
        "harness_version": start.harness_version,
        "ledger_hash": record.head_hash,
        "ledger_seq": [record.first_seq, record.last_seq],
    }


def verdict(record: RunRecord, doc: dict[str, Any]) -> dict[str, Any]:
    """READY only for a finished, complete run in which every recorded date is clean
    (harness.readiness, the gate's own rule) and the whole books matched."""
    counts = Counter(str(c.verdict) for c in record.comparisons)
    reasons = [
        reason
        for d in record.dates
        for reason in date_reasons(DateEvidence.of(doc, d.business_date), describe=_reason)
    ]
    reasons.extend(_reason(c.to_body()) for c in record.books if c.verdict not in READY_VERDICTS)
    missing = _missing(record)
    if record.finished is not None and record.status is not RunStatus.COMPLETED:
        reasons.append(f"run {record.status}")
    if not record.comparisons:
        reasons.append("nothing was compared")
    ready = not reasons and not missing
    label = "READY" if ready else ("INCOMPLETE" if missing else "NOT READY")
    return {
        "ready": ready,
        "label": label,
        "reasons": missing + reasons,
        "counts": {str(v): counts.get(str(v), 0) for v in Verdict},
    }


def _missing(record: RunRecord) -> list[str]:
    """What a complete run would have recorded and this one has not."""
    missing = []
    if record.finished is None:
        missing.append("the run has no finish entry: it is still running, or was killed")
    recorded = {d.business_date for d in record.dates}
    absent = [d for d in record.started.dates if d not in recorded]
    if absent:
        missing.append(f"{len(absent)} date(s) not compared: {', '.join(absent)}")
    planned = record.started.entities or sorted({c.entity for c in record.comparisons})
    compared = {(c.business_date, c.entity) for c in record.comparisons}
    executed = {(e.business_date, e.label) for e in record.executions}
    for day in sorted(recorded):
        lost = [e for e in planned if (day, e) not in compared]
        if lost:
            missing.append(f"{day}: no comparison recorded for {', '.join(lost)}")
        sides = [label for label in SIDE_LABELS if (day, label) not in executed]
        if sides:
            missing.append(f"{day}: no execution recorded for the {' and '.join(sides)}")
    return missing


def _reason(result: dict[str, Any]) -> str:
    when = result["business_date"]
    if result.get("scope") == "books":
        when = f"whole books after {when}"
    head = f"{when} {result['entity']}: {result['verdict']}"
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
    found = f"{head} ({', '.join(parts)})" if parts else head
    return f"{found}: {result['error']}" if result["verdict"] == Verdict.REWRITTEN else found


def _entities(comparisons: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for c in comparisons:
        if c["entity"] not in names:
            names.append(c["entity"])
    return names


def _matrix(
    dates: list[str], entities: list[str], comparisons: list[dict[str, Any]], dates_done: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    found = {(c["business_date"], c["entity"]): c["verdict"] for c in comparisons}
    rows = {d["business_date"]: d["input_rows"] for d in dates_done}
    return [
        {
            "business_date": d,
            "input_rows": rows.get(d),
            "recorded": d in rows,  # the date's processing and comparison finished
            "cells": [{"entity": e, "verdict": found.get((d, e), "NOT RUN")} for e in entities],
        }
        for d in dates
    ]


def _provenance(start: dict[str, Any], end: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "config": start["config"],
        "input_fingerprints": start["input_fingerprints"],
        "source_fingerprints_before": start["source_fingerprints"],
        "source_fingerprints_after": end["source_fingerprints"] if end else None,  # None: not finished
        "server": start["server"],
        "settings": start["settings"],
        "reproduce": reproduce_command(start),
        # where each part ran when not all on the ledger's server (harness.servers); {}: one server
        "servers": start.get("servers", {}),
    }


def reproduce_command(start: dict[str, Any]) -> str:
    parts = ["harness", "run", "--dates", ",".join(start["dates"])]
    config_path = start["config"]["path"]
    if not config_path.startswith("<bundled"):
        parts += ["--config", config_path]
    options = start.get("options", {})
    if options.get("concurrent"):
        parts.append("--concurrent")
    if int(options.get("repeat") or 1) > 1:
        parts += ["--repeat", str(options["repeat"])]
    if options.get("phase_timeout"):
        parts += ["--phase-timeout", str(options["phase_timeout"])]
    if not start["isolation"]["roles"]:
        parts.append("--no-role-isolation")
    for label in ("control", "candidate"):
        if options.get(f"{label}_dsn"):
            parts += [f"--{label}-dsn", options[f"{label}_dsn"]]
    return shlex.join(parts)
