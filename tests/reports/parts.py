"""Building blocks of the hand-built run documents in tests/reports/documents.py."""

from __future__ import annotations

import hashlib
from typing import Any

RUN_ID = "20240301_101500_ab12"
STARTED_AT = "2026-11-25T07:30:00+00:00"
FINISHED_AT = "2026-11-25T07:31:10+00:00"
DATES = ["2024-03-01", "2024-03-02"]
ENTITIES = [
    "journals",
    "gl_entries",
    "vouchers",
    "voucher_lines",
    "journal_errors",
    "transaction_status",
    "export",
]
KEYS = {
    "journals": ["txn_reference"],
    "gl_entries": ["txn_reference", "line_no"],
    "vouchers": ["voucher_number"],
    "voucher_lines": ["voucher_number", "line_no"],
    "journal_errors": ["txn_reference", "error_code"],
    "transaction_status": ["txn_reference"],
    "export": ["record_number"],
}
ROWS = {
    "journals": 1950,
    "gl_entries": 7800,
    "vouchers": 48,
    "voucher_lines": 7800,
    "journal_errors": 50,
    "transaction_status": 2000,
    "export": 7848,
}
PHASES = ["data fetch", "journal creation", "GL posting", "voucher creation", "export"]
CONFIG_TEXT = """\
[run]
max_detail_rows = 1000
phase_timeout = 600

[sides.control]
implementation = "legacy"

[sides.candidate]
implementation = "enhanced"

[[accepted_differences]]
id = "legacy-json-escaping"
entity = "journals"
columns = ["metadata"]
"""


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def counts(rows: int, **changes: int) -> dict[str, int]:
    base = {
        "control_rows": rows,
        "candidate_rows": rows,
        "equal": rows,
        "different": 0,
        "control_only": 0,
        "candidate_only": 0,
        "duplicate_keys": 0,
        "within_tolerance": 0,
        "invalid_json": 0,
        "accepted": 0,
        "unexplained": 0,
        "examined": 0,
    }
    return {**base, **changes}


def comparison(day: str, entity: str, verdict: str = "MATCH", **fields: Any) -> dict[str, Any]:
    return {
        "business_date": day,
        "entity": entity,
        "verdict": verdict,
        "key": KEYS[entity],
        "counts": counts(ROWS[entity]),
        "columns": [],
        "patterns": [],
        "samples": [],
        "accepted": {},
        "error": None,
        "expectation_unmet": {},
        "schema": [],
        "scope": "date",
        "seconds": 0.25,
        "key_list": None,
        **fields,
    }


def accepted_journals() -> dict[str, Any]:
    """2024-03-01 journals: 5 rows whose metadata the legacy side escapes into invalid JSON."""
    samples = [
        {
            "key": {"txn_reference": f"TX-20240301-0000{n}"},
            "kind": "invalid_json",
            "differing": ["metadata"],
            "accepted_by": "legacy-json-escaping",
            "control": {
                "metadata": '{"policyholder":"Acme "Marine" Ltd"}',
                "journal_type": "RENEWAL",
                "ledger_code": "UK1",
            },
            "candidate": {
                "metadata": '{"policyholder": "Acme \\"Marine\\" Ltd"}',
                "journal_type": "RENEWAL",
                "ledger_code": "UK1",
            },
        }
        for n in (42, 57)
    ]
    return comparison(
        "2024-03-01",
        "journals",
        "ACCEPTED",
        counts=counts(1950, equal=1945, different=5, invalid_json=5, accepted=5, examined=5),
        columns=[{"column": "metadata", "mismatches": 5, "max_difference": None}],
        patterns=[
            {
                "columns": ["metadata"],
                "kind": "invalid_json",
                "context": {"txn_type": "RENEWAL", "ledger_code": "UK1"},
                "rows": 5,
                "accepted_by": "legacy-json-escaping",
            }
        ],
        samples=samples,
        accepted={"legacy-json-escaping": 5},
    )


def mismatched_gl_entries() -> dict[str, Any]:
    """2024-03-02 gl_entries: 3 JPY lines whose base amount differs by 0.01 (unexplained),
    1 more within tolerance, and 1 line only the control wrote."""

    def line(ref: str, no: int, amount: str | None, base: str) -> dict[str, Any]:
        return {
            "account_code": "4100",
            "currency": "JPY",
            "amount": amount,
            "base_amount": base,
            "description": "Premium <JPY> & fees",
        }

    samples = [
        {
            "key": {"txn_reference": ref, "line_no": 2},
            "kind": "different",
            "differing": ["base_amount"],
            "accepted_by": None,
            "control": line(ref, 2, "125000", c),
            "candidate": line(ref, 2, "125000", k),
        }
        for ref, c, k in (
            ("TX-20240302-001204", "693.75", "693.76"),
            ("TX-20240302-001388", "1387.50", "1387.51"),
        )
    ]
    samples.append(
        {
            "key": {"txn_reference": "TX-20240302-001990", "line_no": 1},
            "kind": "control_only",
            "differing": [],
            "accepted_by": None,
            "control": line("TX-20240302-001990", 1, None, "0.00"),
            "candidate": None,
        }
    )
    return comparison(
        "2024-03-02",
        "gl_entries",
        "MISMATCH",
        counts=counts(
            7800,
            candidate_rows=7799,
            equal=7795,
            different=4,
            control_only=1,
            within_tolerance=1,
            unexplained=4,
            examined=5,
        ),
        columns=[{"column": "base_amount", "mismatches": 3, "max_difference": 0.01}],
        patterns=[
            {
                "columns": ["base_amount"],
                "kind": "different",
                "context": {"currency": "JPY", "ledger_code": "UK1"},
                "rows": 3,
                "accepted_by": None,
            },
            {
                "columns": [],
                "kind": "control_only",
                "context": {"txn_type": "CANCELLATION"},
                "rows": 1,
                "accepted_by": None,
            },
        ],
        samples=samples,
    )


def side_timing(
    seconds: float, phases: list[tuple[str, float, int]], logged: list[tuple[str, float, int]]
) -> dict[str, Any]:
    def phase(name: str, secs: float, rows: int) -> dict[str, Any]:
        return {"name": name, "seconds": secs, "rows": rows}

    return {
        "status": "OK",
        "error": None,
        "seconds": seconds,
        "phases": [phase(*p) for p in phases],
        "logged_phases": [phase(*p) for p in logged],
        "repeats": None,
        "plans": None,
    }


def repeats(samples: list[float]) -> dict[str, Any]:
    """A side timed len(samples) times (harness.timings_doc), its one phase taking it all."""
    figures = {
        "n": len(samples),
        "median": sorted(samples)[len(samples) // 2],
        "min": min(samples),
        "max": max(samples),
        "spread": round(max(samples) - min(samples), 3),
    }
    return {**figures, "samples": samples, "phases": [{"name": "process", **figures}]}


def timing(day: str, control: float, candidate: float) -> dict[str, Any]:
    logged = [
        ("data fetch", 0.21, 2000),
        ("journal creation", 0.62, 1950),
        ("GL posting", 0.58, 7800),
        ("voucher creation", 0.31, 48),
        ("export", 0.19, 7848),
    ]
    measured = [
        ("data fetch", 0.012, 2000),
        ("journal creation", 0.034, 1950),
        ("GL posting", 0.041, 7800),
        ("voucher creation", 0.018, 48),
        ("export", 0.015, 7848),
    ]
    return {
        "business_date": day,
        "control": side_timing(control, [("process", control, 9000)], logged),
        "candidate": side_timing(candidate, measured, []),
        "speedup": round(control / candidate, 1),
        "speedup_interval": None,
        "input_rows": 2000,
        "throughput": {"control": round(2000 / control, 1), "candidate": round(2000 / candidate, 1)},
    }


INVARIANTS = [
    "journals balance in base",
    "trial balance per account",
    "vouchers equal journals",
    "no voucher sequence gaps",
    "control totals carried through",
]


def invariants(broken: dict[tuple[str, str, str], tuple[int, str]]) -> list[dict[str, Any]]:
    items = []
    for day in DATES:
        for label in ("control", "candidate"):
            for name in INVARIANTS:
                violations, detail = broken.get((day, label, name), (0, ""))
                items.append(
                    {
                        "business_date": day,
                        "label": label,
                        "name": name,
                        "holds": violations == 0,
                        "violations": violations,
                        "detail": detail,
                    }
                )
    return items


def accepted_difference(
    ident: str,
    entity: str,
    columns: list[str],
    status: str,
    rows: int,
    expires: str | None,
    reason: str,
    ticket: str,
) -> dict[str, Any]:
    return {
        "id": ident,
        "entity": entity,
        "columns": columns,
        "reason": reason,
        "approved_by": "J. Okafor (Finance Controller)",
        "ticket": ticket,
        "expires": expires,
        "rows_covered": rows,
        "status": status,
    }


def method() -> dict[str, Any]:
    """What the run's config declared, as harness.method records it."""
    entity = {"ignore": [], "context": [], "tolerances": {}, "minor_unit_decimals": 2, "normalizers": {}}
    return {
        "unit": {"table": "insurance_transaction", "label": "transactions"},
        "invariants_title": "accounting invariants",
        "regression_factor": 1.5,
        "entities": [
            {
                **entity,
                "name": "journals",
                "key": ["txn_reference"],
                "ignore": ["journal_id", "created_at"],
                "normalizers": {"metadata": "json"},
                "derived_from": "insurance_transaction",
            },
            {
                **entity,
                "name": "gl_entries",
                "key": ["txn_reference", "line_no"],
                "tolerances": {"base_amount": 1},
                "context": ["txn_type"],
                "derived_from": "insurance_transaction",
            },
            {
                **entity,
                "name": "export",
                "key": ["file", "TransactionReference", "LineNo"],
                "derived_from": None,
            },
        ],
        "invariants": [
            {"name": "journals balance in base", "description": "debits equal credits per journal"},
            {"name": "control totals carried through", "description": ""},
        ],
    }
