"""``harness books DATE``: the journals, vouchers and errors a date left in the books."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib.resources import files
from typing import Any

import psycopg
from psycopg import sql

from harness.database import Connection, first_line
from harness.errors import CutoverError

TABLES = ("sun_journal", "voucher", "voucher_line", "journal_error")


def _query(name: str) -> str:
    return files("harness.sql").joinpath(f"books_{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class DateBooks:
    business_date: date
    schema: str
    journals: list[dict[str, Any]]
    vouchers: list[dict[str, Any]]
    errors: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "business_date": self.business_date.isoformat(),
            "schema": self.schema,
            "journals": self.journals,
            "vouchers": self.vouchers,
            "errors": self.errors,
        }

    def lines(self) -> list[str]:
        total = sum(j["journals"] for j in self.journals)
        counts = f"{total} journal(s), {len(self.vouchers)} voucher(s), {len(self.errors)} error(s)"
        found = [f"{self.business_date} in {self.schema}: {counts}"]
        found += [
            f"  journals {j['ledger_code']} {j['journal_type']:<14}{j['journals']:>7}  "
            f"debit {j['debit_base']}"
            for j in self.journals
        ]
        found += [
            f"  voucher {v['voucher_number']:<22}{v['lines']:>5} lines  "
            f"D {v['debit_base']}  C {v['credit_base']}"
            for v in self.vouchers
        ]
        found += [f"  error {e['txn_reference']} {e['error_code']}: {e['message']}" for e in self.errors]
        return found


def holds_journal_books(conn: Connection, schema: str) -> bool:
    """Whether ``schema`` holds the bundled job's book tables (what date_books reads)."""
    row = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = ANY(%s)",
        (schema, list(TABLES)),
    ).fetchone()
    return bool(row and row[0] == len(TABLES))


def date_books(conn: Connection, schema: str, day: date) -> DateBooks:
    names = {t: sql.Identifier(schema, t) for t in TABLES}
    try:
        parts = {
            name: _rows(conn, sql.SQL(_query(name)).format(**names), day)
            for name in ("journals", "vouchers", "errors")
        }
    except psycopg.Error as exc:
        raise CutoverError(f"cannot read the books in schema {schema!r}: {first_line(exc)}") from exc
    return DateBooks(day, schema, parts["journals"], parts["vouchers"], parts["errors"])


def _rows(conn: Connection, query: sql.Composed, day: date) -> list[dict[str, Any]]:
    cursor = conn.execute(query, {"d": day})
    names = [c.name for c in cursor.description or ()]
    return [
        {n: str(v) if isinstance(v, Decimal) else v for n, v in zip(names, row, strict=True)}
        for row in cursor
    ]
