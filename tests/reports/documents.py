"""Hand-built run documents (docs/run-document.md, schema version 3) for the report tests.

Deterministic throughout: run ids, times and hashes are fixed values injected here, so
rendered reports can be compared byte for byte with their snapshots.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from tests.reports.coverage_parts import coverage_of
from tests.reports.parts import (
    CONFIG_TEXT,
    DATES,
    ENTITIES,
    FINISHED_AT,
    PHASES,
    RUN_ID,
    STARTED_AT,
    accepted_difference,
    accepted_journals,
    comparison,
    invariants,
    method,
    mismatched_gl_entries,
    repeats,
    sha,
    timing,
)
from tests.reports.trend_parts import trend_of


def not_ready_document(
    run_id: str = RUN_ID, started_at: str = STARTED_AT, finished_at: str = FINISHED_AT
) -> dict[str, Any]:
    """2 dates x 7 entities: 12 MATCH, 1 ACCEPTED (2024-03-01 journals, the legacy JSON
    escaping defect, 5 rows), 1 MISMATCH (2024-03-02 gl_entries: 4 different, 1 control-only,
    with patterns and samples); one candidate invariant broken on 2024-03-02; accepted
    differences: one active, one stale, one expired; three root causes (one per sampled
    unexplained gl_entries row). Verdict NOT READY."""
    special = {
        ("2024-03-01", "journals"): accepted_journals(),
        ("2024-03-02", "gl_entries"): mismatched_gl_entries(),
    }
    comparisons = [special.get((day, e)) or comparison(day, e) for day in DATES for e in ENTITIES]
    return {
        "schema_version": 3,
        "unit": {"table": "insurance_transaction", "label": "transactions"},
        "method": method(),
        "run": {
            "run_id": run_id,
            "status": "completed",
            "started_at": started_at,
            "finished_at": finished_at,
            "dates": list(DATES),
            "command_line": "harness run --from 2024-03-01 --to 2024-03-02",
            "user": "root",
            "host": "ci-1",
            "harness_version": "0.1.0",
            "ledger_hash": sha(f"ledger {run_id}"),
            "ledger_seq": [12, 40],
        },
        "verdict": {
            "ready": False,
            "label": "NOT READY",
            "reasons": [
                "2024-03-02 gl_entries: MISMATCH (4 different rows, 1 control-only row)",
                "accepted difference jpy-rounding-2023 is stale: it matched no row",
                "accepted difference voucher-description-trim expired on 2024-02-29",
            ],
            "counts": {"MATCH": 12, "ACCEPTED": 1, "MISMATCH": 1, "FAILED": 0},
        },
        "sides": {
            "control": {
                "side": "legacy",
                "schema": f"run_{run_id}_control",
                "role": f"harness_run_{run_id}_control",
                "sql_sha256": sha("legacy sql"),
                "install": ["tables.sql", "process_journals.sql"],
            },
            "candidate": {
                "side": "enhanced",
                "schema": f"run_{run_id}_candidate",
                "role": f"harness_run_{run_id}_candidate",
                "sql_sha256": sha("enhanced sql"),
                "install": ["tables.sql", "partitions.sql", "views.sql", "process.sql"],
            },
        },
        "isolation": {"roles": True},
        "entities": list(ENTITIES),
        "matrix": [
            {
                "business_date": day,
                "input_rows": 2000,
                "recorded": True,
                "cells": [
                    {"entity": c["entity"], "verdict": c["verdict"]}
                    for c in comparisons
                    if c["business_date"] == day
                ],
            }
            for day in DATES
        ],
        "timings": (timings := [timing("2024-03-01", 1.91, 0.12), timing("2024-03-02", 2.04, 0.13)]),
        "phase_names": list(PHASES),
        # GL posting of the candidate twice as slow as in the earlier runs: a regression on both dates
        "trend": trend_of(timings, slower={("candidate", "GL posting"): 2.0}),
        # the mismatched GL lines' transactions: four accepted, premiums, one a rounding line
        "coverage": coverage_of(differing={"accepted": 4, "positive": 4, "Dr 7999": 1}),
        "root_causes": gl_root_causes(),
        "comparisons": comparisons,
        "books": [
            {**c, "scope": "books", "key": [*c["key"], "_harness_date"]}
            for c in comparisons
            if c["business_date"] == DATES[-1] and c["entity"] != "export"
        ],
        "invariants": invariants(
            {
                ("2024-03-02", "candidate", "control totals carried through"): (
                    1,
                    "GL base total 1,234,567.91 vs journals 1,234,567.88 (UK1, JPY)",
                ),
            }
        ),
        "accepted_differences": [
            accepted_difference(
                "legacy-json-escaping",
                "journals",
                ["metadata"],
                "active",
                5,
                "2027-06-30",
                "Legacy escapes quotes in policyholder names into invalid JSON; the candidate is right.",
                "FIN-1234",
            ),
            accepted_difference(
                "jpy-rounding-2023",
                "gl_entries",
                ["base_amount"],
                "stale",
                0,
                "2027-12-31",
                "JPY base amounts rounded per line in legacy before 2023.",
                "FIN-0987",
            ),
            accepted_difference(
                "voucher-description-trim",
                "vouchers",
                ["description"],
                "expired",
                0,
                "2024-02-29",
                "Legacy pads voucher descriptions to 60 characters.",
                "FIN-1100",
            ),
        ],
        "provenance": {
            "config": {"path": "<bundled default.toml>", "sha256": sha(CONFIG_TEXT), "text": CONFIG_TEXT},
            "input_fingerprints": {
                "insurance_transaction": {"rows": 4000, "digest": sha("insurance_transaction")[:32]},
                "fx_rate": {"rows": 120, "digest": sha("fx_rate")[:32]},
                "policy": {"rows": 800, "digest": sha("policy")[:32]},
            },
            "source_fingerprints_before": {
                "insurance_transaction": {"rows": 4000, "digest": sha("src")[:32]}
            },
            "source_fingerprints_after": {"insurance_transaction": {"rows": 4000, "digest": sha("src")[:32]}},
            "server": {
                "version": "PostgreSQL 18.1 on x86_64-pc-linux-gnu, compiled by gcc 12.2.0, 64-bit",
                "server_version": "18.1",
            },
            "settings": {
                "TimeZone": "UTC",
                "DateStyle": "ISO, YMD",
                "extra_float_digits": "3",
                "statement_timeout": "0",
            },
            "reproduce": "harness run --dates 2024-03-01,2024-03-02 --config harness.toml",
        },
    }


def ready_document(**injected: str) -> dict[str, Any]:
    """Like not_ready_document, but 2024-03-02 gl_entries matches, every invariant holds and
    only the active accepted difference is configured: 13 MATCH, 1 ACCEPTED. Verdict READY."""
    doc = not_ready_document(**injected)
    doc["comparisons"] = [
        comparison(c["business_date"], c["entity"]) if c["verdict"] == "MISMATCH" else c
        for c in doc["comparisons"]
    ]
    _sync_matrix(doc)
    doc["root_causes"] = []
    doc["invariants"] = invariants({})
    doc["accepted_differences"] = doc["accepted_differences"][:1]
    # the first date timed five times a side (harness run --repeat 5)
    first = doc["timings"][0]
    first["control"]["repeats"] = repeats([1.95, 1.91, 1.88, 2.02, 1.91])
    first["candidate"]["repeats"] = repeats([0.13, 0.12, 0.12, 0.14, 0.12])
    first["speedup_interval"] = {"low": 14.6, "high": 16.3, "level": 0.95, "samples": 5}
    doc["trend"] = trend_of(doc["timings"])
    doc["coverage"] = coverage_of()
    doc["verdict"] = {
        "ready": True,
        "label": "READY",
        "reasons": [],
        "counts": {"MATCH": 13, "ACCEPTED": 1, "MISMATCH": 0, "FAILED": 0},
    }
    return doc


def failed_document(**injected: str) -> dict[str, Any]:
    """An interrupted run over 3 dates with 2 recorded: the candidate failed on 2024-03-02, so
    that date's 7 comparisons are FAILED (no counts), its speedup and candidate throughput are
    null and its candidate invariants absent; 2024-03-03 was never processed. Verdict NOT READY."""
    doc = ready_document(**injected)
    error = "enhanced failed in phase 'GL posting' on 2024-03-02: division by zero"
    doc["run"]["status"] = "interrupted"
    doc["run"]["dates"] = [*DATES, "2024-03-03"]
    doc["run"]["finished_at"] = None
    doc["comparisons"] = [
        comparison(c["business_date"], c["entity"], "FAILED", counts=None, error=error)
        if c["business_date"] == "2024-03-02"
        else c
        for c in doc["comparisons"]
    ]
    _sync_matrix(doc)
    day2 = doc["timings"][1]
    day2["candidate"] = {
        "status": "FAILED",
        "error": error,
        "seconds": 0.05,
        "phases": [
            {"name": "data fetch", "seconds": 0.012, "rows": 2000},
            {"name": "journal creation", "seconds": 0.031, "rows": 1950},
        ],
        "logged_phases": [],
        "repeats": None,
        "plans": None,
    }
    day2["speedup"] = None
    day2["throughput"]["candidate"] = None
    doc["trend"] = trend_of(doc["timings"])  # the failed date is left out of the candidate's trend
    doc["coverage"] = coverage_of(failed_date="2024-03-02")
    doc["invariants"] = [
        i for i in doc["invariants"] if not (i["business_date"] == "2024-03-02" and i["label"] == "candidate")
    ]
    doc["verdict"] = {
        "ready": False,
        "label": "NOT READY",
        "reasons": [f"2024-03-02: {error}", "run interrupted: 2024-03-03 not processed"],
        "counts": {"MATCH": 6, "ACCEPTED": 1, "MISMATCH": 0, "FAILED": 7},
    }
    return doc


def gl_root_causes() -> list[dict[str, Any]]:
    """The root causes of mismatched_gl_entries' unexplained samples (gl_entries declaring
    lineage transaction = txn_reference), as harness.root_causes builds them."""

    def cause(
        ref: str, line: int, kind: str, values: list[tuple[str, str, str]], change: str
    ) -> dict[str, Any]:
        return {
            "business_date": "2024-03-02",
            "text": f"{ref}: gl_entries line_no {line} {change}",
            "entities": ["gl_entries"],
            "lineage": {"transaction": [ref]},
            "findings": [
                {
                    "entity": "gl_entries",
                    "key": {"txn_reference": ref, "line_no": line},
                    "kind": kind,
                    "values": [{"column": c, "control": a, "candidate": b} for c, a, b in values],
                    "lineage": {"transaction": [ref]},
                }
            ],
            "unsampled": {"gl_entries": 1},
        }

    return [
        cause(
            "TX-20240302-001204",
            2,
            "different",
            [("base_amount", "693.75", "693.76")],
            "base_amount 693.75 vs 693.76",
        ),
        cause(
            "TX-20240302-001388",
            2,
            "different",
            [("base_amount", "1387.50", "1387.51")],
            "base_amount 1387.50 vs 1387.51",
        ),
        cause("TX-20240302-001990", 1, "control_only", [], "only in the control"),
    ]


def _sync_matrix(doc: dict[str, Any]) -> None:
    days = list(dict.fromkeys(c["business_date"] for c in doc["comparisons"]))
    doc["matrix"] = [
        {
            "business_date": day,
            "input_rows": 2000,
            "recorded": True,
            "cells": [
                {"entity": c["entity"], "verdict": c["verdict"]}
                for c in doc["comparisons"]
                if c["business_date"] == day
            ],
        }
        for day in days
    ]


BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "not-ready": not_ready_document,
    "ready": ready_document,
    "failed": failed_document,
}


def document(kind: str, **injected: str) -> dict[str, Any]:
    """A fresh copy of one of the documents above (tests may mutate it)."""
    return copy.deepcopy(BUILDERS[kind](**injected))
