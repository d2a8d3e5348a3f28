"""Compare one date's output of the two sides: entity diffs, then invariants per side."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import psycopg

import comparisons
from harness.config import Config
from harness.isolation import SideSpace
from harness.source import rows_on_date

if TYPE_CHECKING:
    from harness.runner import Execution

Connection = psycopg.Connection[tuple[Any, ...]]
EXPORT_ENTITY = "export"


@dataclass(frozen=True)
class DateOutcome:
    """Everything compared for one date: a result per entity, invariants per side."""

    business_date: date
    results: tuple[dict[str, Any], ...]
    invariants: tuple[dict[str, Any], ...]
    transactions: int

    def verdicts(self) -> Counter[str]:
        return Counter(r["verdict"] for r in self.results)

    def summary_body(self) -> dict[str, Any]:
        return {
            "business_date": self.business_date.isoformat(),
            "transactions": self.transactions,
            "verdicts": dict(self.verdicts()),
            "invariants": list(self.invariants),
        }

    def progress_line(self) -> str:
        counts = ", ".join(f"{n} {v}" for v, n in sorted(self.verdicts().items()))
        broken = sum(1 for i in self.invariants if not i["holds"])
        tail = f"; {broken} invariant(s) broken" if broken else ""
        return f"{self.business_date}: {counts}{tail}"


def compare_date(
    conn: Connection,
    config: Config,
    spaces: tuple[SideSpace, SideSpace],
    day: date,
    executions: dict[str, Execution],
    max_detail_rows: int,
) -> DateOutcome:
    control = spaces[0]
    transactions = _transactions(conn, config, control.schema, day)
    failures = [e for e in executions.values() if e.failed]
    if failures:
        error = "; ".join(str(e.error) for e in failures)
        results = tuple(_failed(spec.name, list(spec.key), day, error) for spec in config.entities)
        return DateOutcome(day, results, (), transactions)
    for space in spaces:
        files = list(executions[space.label].exports)
        comparisons.load_export_rows(conn, space.schema, files)
    results = tuple(_compare(conn, config, spec, spaces, day, max_detail_rows) for spec in config.entities)
    invariants = tuple(inv for space in spaces for inv in _invariants(conn, config, space, day))
    return DateOutcome(day, results, invariants, transactions)


def _compare(
    conn: Connection,
    config: Config,
    spec: comparisons.EntitySpec,
    spaces: tuple[SideSpace, SideSpace],
    day: date,
    max_detail_rows: int,
) -> dict[str, Any]:
    control, candidate = spaces
    try:
        result = comparisons.compare_entity(
            conn,
            spec,
            control.schema,
            candidate.schema,
            day,
            config.accepted_differences,
            max_detail_rows=max_detail_rows,
            today=date.today(),
        )
    except comparisons.ComparisonError as exc:
        # The comparison itself could not run (a spec query fails on these sides' tables):
        # recorded as FAILED with the reason, never counted as a pass.
        return _failed(spec.name, list(spec.key), day, f"comparison failed: {exc}")
    return result.to_dict()


def _invariants(conn: Connection, config: Config, space: SideSpace, day: date) -> list[dict[str, Any]]:
    try:
        results = comparisons.check_invariants(conn, config.invariants, space.schema, day)
    except comparisons.ComparisonError as exc:
        return [
            {
                "business_date": day.isoformat(),
                "name": "invariant query",
                "holds": False,
                "violations": 1,
                "detail": str(exc),
                "label": space.label,
            }
        ]
    return [{**r.to_dict(), "label": space.label} for r in results]


def _failed(entity: str, key: list[str], day: date, error: str) -> dict[str, Any]:
    return {
        "business_date": day.isoformat(),
        "entity": entity,
        "verdict": "FAILED",
        "error": error,
        "key": key,
        "counts": None,
        "columns": [],
        "patterns": [],
        "samples": [],
        "accepted": {},
    }


def _transactions(conn: Connection, config: Config, schema: str, day: date) -> int:
    if config.source.date_table is None:
        return 0
    table, column = config.source.date_table
    return rows_on_date(conn, schema, table, column, day)
