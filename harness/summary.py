"""Counts of what a date produced on one side, against the date's source transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from psycopg import sql

STATUS_COUNTS = sql.SQL(
    "SELECT count(*), count(*) FILTER (WHERE status = 'PROCESSED'), "
    "count(*) FILTER (WHERE status = 'ERROR'), count(*) FILTER (WHERE status = 'NEW') "
    "FROM {} WHERE business_date = %(d)s"
)
OUTPUT_COUNT = sql.SQL("SELECT count(*) FROM {} WHERE business_date = %(d)s")
OUTPUT_TABLES = ("sun_journal", "gl_entries", "voucher", "journal_error")


@dataclass(frozen=True)
class DateCounts:
    """Transactions of the date by status, and the rows the side holds for the date."""

    transactions: int
    processed: int
    rejected: int
    pending: int
    outputs: dict[str, int]

    @property
    def balanced(self) -> bool:
        """Every transaction accounted for: processed plus rejected equals the date's total."""
        return self.processed + self.rejected == self.transactions

    def to_dict(self) -> dict[str, Any]:
        return {
            "transactions": self.transactions,
            "processed": self.processed,
            "rejected": self.rejected,
            "pending": self.pending,
            "outputs": dict(self.outputs),
        }


def date_counts(
    conn: psycopg.Connection[tuple[Any, ...]], side_schema: str, source_schema: str, day: date
) -> DateCounts:
    params = {"d": day}
    status = conn.execute(
        STATUS_COUNTS.format(sql.Identifier(source_schema, "insurance_transaction")), params
    ).fetchone()
    assert status is not None
    outputs = {}
    for table in OUTPUT_TABLES:
        row = conn.execute(OUTPUT_COUNT.format(sql.Identifier(side_schema, table)), params).fetchone()
        outputs[table] = int(row[0]) if row else 0
    return DateCounts(int(status[0]), int(status[1]), int(status[2]), int(status[3]), outputs)
