"""Helpers for cutover tests: a month-end source, config variants, and the books compared
with a pure processing of the same dates by one side."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql

from harness.synthetic.loader import seed
from tests.conftest import TestDatabase
from tests.harness.runs import config_with
from tests.helpers import CliResult, invoke

MONTH_END = (date(2024, 3, 30), date(2024, 3, 31), date(2024, 4, 1))
PER_DAY = 20
# One cent more on the first GL line of the date's first transaction (before the export).
ONE_CENT = """
UPDATE gl_entries SET txn_amount = txn_amount + 0.01
WHERE business_date = %(business_date)s AND line_no = 1
  AND txn_reference = (SELECT min(txn_reference) FROM gl_entries WHERE business_date = %(business_date)s)
"""
# Business columns of each published table (no surrogate ids, timestamps or JSON layout).
BOOK_COLUMNS = {
    "sun_journal": "txn_reference, business_date, ledger_code, period, journal_type, currency, fx_rate, "
    "total_debit_base, total_credit_base, line_count",
    "gl_entries": "txn_reference, line_no, account_code, dc_marker, currency, txn_amount, base_amount, "
    "period, business_date, t0, t1, t2, t3",
    "voucher": "voucher_number, ledger_code, business_date, period",
    "journal_error": "txn_reference, business_date, error_code, message",
}


def seed_month_end(db: TestDatabase, schema: str = "source") -> None:
    with db.connect() as conn:
        seed(conn, schema, MONTH_END[0], MONTH_END[-1], PER_DAY, 7)


def write_config(
    tmp_path: Path, candidate: str = "enhanced", cutover: str = "", control: str = "legacy"
) -> Path:
    extra = f"\n[cutover]\n{cutover}\n" if cutover else ""
    config_with(tmp_path, control=control, candidate=candidate, extra=extra)
    return tmp_path / "harness.toml"


def cutover(capsys: pytest.CaptureFixture[str], db: TestDatabase, config: Path, *args: str) -> CliResult:
    reports = str(config.parent / "reports")
    return invoke(
        capsys, "cutover", "--config", str(config), "--dsn", db.uri, "--quiet", "--out", reports, *args
    )


def batch(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, config: Path, export: Path, days: int = 3
) -> CliResult:
    first, last = MONTH_END[0].isoformat(), MONTH_END[days - 1].isoformat()
    return cutover(capsys, db, config, "--from", first, "--to", last, "--export", str(export))


def pure_processing(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, side: str, export: Path, days: int = 3
) -> str:
    """The same dates processed by ``side`` alone, from a second copy of the same source."""
    seed_month_end(db, "reference_source")
    schema = f"{side}_reference"
    for day in MONTH_END[:days]:
        found = invoke(
            capsys, "process", "--side", side, "--date", day.isoformat(), "--schema", schema,
            "--source-schema", "reference_source", "--export", str(export), "--dsn", db.uri,
        )  # fmt: skip
        assert found.code == 0, found.err
    return schema


def differing_rows(db: TestDatabase, books: str, reference: str) -> dict[str, int]:
    """Rows of each table in one schema and not the other, both ways (empty: the same books)."""
    found = {}
    with db.connect() as conn:
        for table, columns in BOOK_COLUMNS.items():
            names = sql.SQL(columns)
            a, b = sql.Identifier(books, table), sql.Identifier(reference, table)
            query = sql.SQL(
                "SELECT (SELECT count(*) FROM (SELECT {c} FROM {a} EXCEPT ALL SELECT {c} FROM {b}) x)"
                " + (SELECT count(*) FROM (SELECT {c} FROM {b} EXCEPT ALL SELECT {c} FROM {a}) y)"
            ).format(c=names, a=a, b=b)
            row = conn.execute(query).fetchone()
            if row and row[0]:
                found[table] = int(row[0])
    return found


def count(db: TestDatabase, query: str, *params: Any) -> int:
    with db.connect() as conn:
        row = conn.execute(query.encode(), params or None).fetchone()
    return int(row[0]) if row else 0


def same_files(one: Path, other: Path) -> bool:
    names = sorted(p.name for p in one.iterdir())
    return names == sorted(p.name for p in other.iterdir()) and all(
        (one / n).read_bytes() == (other / n).read_bytes() for n in names
    )


def report_of(out: str) -> str:
    """The HTML of the report the cutover printed the path of."""
    path = next(line.split("report: ", 1)[1] for line in out.splitlines() if "report: " in line)
    return Path(path).read_text(encoding="utf-8")
