"""Fixtures for the side contract tests (docs/sides.md), parametrized over the sides.

``books`` gives each test an empty database of its own (``clean_db``) with the source schema (reference data plus a
small base set of periods, brokers, tax codes and policies) and one side installed in its
own schema. Tests add the transactions (and any extra FX / tax / policy rows) they need,
process dates through the harness API and read the side's output tables back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from harness.sides import ProcessResult, export_files, install_side, load_side, process_date
from harness.source import install_source

REPO = Path(__file__).resolve().parents[2]
# Every bundled side that has a manifest yet; nothing is skipped for a side that has one.
SIDES = [name for name in ("legacy", "enhanced") if (REPO / name / "manifest.toml").is_file()]

SOURCE = "source"
D = date(2024, 3, 15)  # the default business date of the tests

# Base data, beside the shared reference data (ledgers UK1 GBP, IE1 EUR, US1 USD, accounts).
BASE_SQL = """
INSERT INTO accounting_period (ledger_code, period, start_date, end_date, status) VALUES
    ('UK1', '2024/002', '2024-02-01', '2024-02-29', 'CLOSED'),
    ('UK1', '2024/003', '2024-03-01', '2024-03-31', 'OPEN'),
    ('IE1', '2024/003', '2024-03-01', '2024-03-31', 'OPEN'),
    ('US1', '2024/003', '2024-03-01', '2024-03-31', 'CLOSED');
INSERT INTO broker (broker_id, broker_code, name, commission_rate) VALUES
    (1, 'BRK1', 'Broker One', 0.1500),
    (2, 'BRK2', 'Broker Two', 0.2000);
INSERT INTO tax_rate (tax_code, rate, valid_from, valid_to) VALUES
    ('IPT', 0.1200, '2020-01-01', NULL),
    ('IELEVY', 0.0300, '2020-01-01', NULL);
INSERT INTO policy (policy_id, policy_number, ledger_code, product_code, line_of_business,
                    broker_id, policyholder_name, currency, reinsurance_share, tax_code) VALUES
    (101, 'POL-UK-101', 'UK1', 'MOT1', 'MOTOR', 1, 'Alice Smith', 'GBP', 0.2500, 'IPT'),
    (102, 'POL-UK-102', 'UK1', 'HOME1', 'PROPERTY', NULL, 'Bob Jones', 'GBP', 0.0000, NULL),
    (103, 'POL-IE-103', 'IE1', 'LIAB1', 'LIABILITY', 2, 'Ciara Byrne', 'EUR', 0.1000, 'IELEVY'),
    (104, 'POL-US-104', 'US1', 'MAR1', 'MARINE', NULL, 'Dan Brown', 'USD', 0.0000, NULL),
    (105, 'POL-UK-105', 'UK1', 'TRV1', 'TRAVEL', NULL, 'Eve Adams', 'USD', 0.0000, 'IPT');
"""

Row = tuple[Any, ...]


class Books:
    """One side installed next to a source schema, with helpers to feed and read it."""

    def __init__(self, conn: psycopg.Connection[Row], side_name: str, tmp_path: Path) -> None:
        self.conn = conn
        self.side = load_side(side_name)
        self.name = side_name
        self.schema = f"{side_name}_out"
        self.tmp_path = tmp_path
        install_source(conn, SOURCE)
        install_side(conn, self.side, self.schema)
        self.source_sql(BASE_SQL)

    # ---- feeding the source -------------------------------------------------------------
    def source_sql(self, text: str, params: Any = None) -> None:
        with self.conn.transaction():
            self.conn.execute(f"SET LOCAL search_path TO {SOURCE}")
            self.conn.execute(text.encode() if params is None else text, params)

    def policy(
        self,
        policy_id: int,
        ledger: str = "UK1",
        product: str = "MOT1",
        lob: str = "MOTOR",
        broker_id: int | None = None,
        holder: str = "Policy Holder",
        currency: str = "GBP",
        reinsurance: str = "0",
        tax_code: str | None = None,
        number: str | None = None,
    ) -> None:
        self.source_sql(
            "INSERT INTO policy VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                policy_id,
                number or f"POL-{policy_id}",
                ledger,
                product,
                lob,
                broker_id,
                holder,
                currency,
                Decimal(reinsurance),
                tax_code,
            ),
        )

    def txn(
        self,
        txn_id: int,
        policy_id: int,
        txn_type: str,
        gross: str,
        currency: str = "GBP",
        commission: str | None = None,
        description: str | None = None,
        business_date: date = D,
    ) -> str:
        ref = f"TX-{business_date:%Y%m%d}-{txn_id:06d}"
        self.source_sql(
            "INSERT INTO insurance_transaction (txn_id, txn_reference, business_date, policy_id,"
            " txn_type, currency, gross_amount, commission_rate, description)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                txn_id,
                ref,
                business_date,
                policy_id,
                txn_type,
                currency,
                Decimal(gross),
                None if commission is None else Decimal(commission),
                description if description is not None else f"{txn_type} {txn_id}",
            ),
        )
        return ref

    def fx(self, from_ccy: str, to_ccy: str, rate_date: date, rate: str) -> None:
        self.source_sql(
            "INSERT INTO fx_rate VALUES (%s, %s, %s, %s)", (from_ccy, to_ccy, rate_date, Decimal(rate))
        )

    def tax(self, code: str, rate: str, valid_from: date, valid_to: date | None) -> None:
        self.source_sql(
            "INSERT INTO tax_rate VALUES (%s, %s, %s, %s)", (code, Decimal(rate), valid_from, valid_to)
        )

    # ---- running the side ---------------------------------------------------------------
    def process(self, business_date: date = D) -> ProcessResult:
        return process_date(self.conn, self.side, self.schema, SOURCE, business_date)

    def export(self, business_date: date = D, sub: str = "export") -> dict[str, str]:
        """{file name: exact file text} of the side's export for the date."""
        out = self.tmp_path / self.name / sub
        paths = export_files(self.conn, self.side, self.schema, SOURCE, business_date, out)
        return {p.name: p.read_bytes().decode("utf-8") for p in paths}

    # ---- reading the output -------------------------------------------------------------
    def rows(self, query: str, params: Any = None) -> list[Row]:
        """Rows of ``query``; {s} in it names the side's schema."""
        return self.conn.execute(query.replace("{s}", self.schema), params).fetchall()

    def gl(self, ref: str) -> list[Row]:
        """(line_no, account, D/C, currency, txn_amount, base_amount) of one transaction."""
        return self.rows(
            "SELECT line_no, account_code, dc_marker, currency, txn_amount, base_amount"
            " FROM {s}.gl_entries WHERE txn_reference = %s ORDER BY line_no",
            (ref,),
        )

    def journal(self, ref: str) -> dict[str, Any]:
        rows = self.rows(
            "SELECT ledger_code, period, journal_type, journal_source, currency, fx_rate,"
            " description, total_debit_base, total_credit_base, line_count, business_date"
            " FROM {s}.sun_journal WHERE txn_reference = %s",
            (ref,),
        )
        assert len(rows) == 1, f"{ref}: {len(rows)} journals"
        keys = (
            "ledger_code",
            "period",
            "journal_type",
            "journal_source",
            "currency",
            "fx_rate",
            "description",
            "total_debit_base",
            "total_credit_base",
            "line_count",
            "business_date",
        )
        return dict(zip(keys, rows[0], strict=True))

    def metadata_text(self, ref: str) -> str:
        rows = self.rows("SELECT metadata::text FROM {s}.sun_journal WHERE txn_reference = %s", (ref,))
        return str(rows[0][0])

    def errors(self) -> list[Row]:
        return self.rows(
            "SELECT txn_reference, business_date, error_code, message FROM {s}.journal_error"
            " ORDER BY txn_reference"
        )

    def status(self, ref: str) -> tuple[str, bool]:
        """(status, processed_at is set) of a source transaction."""
        row = self.rows(
            f"SELECT status, processed_at IS NOT NULL FROM {SOURCE}.insurance_transaction"
            " WHERE txn_reference = %s",
            (ref,),
        )[0]
        return str(row[0]), bool(row[1])

    def vouchers(self) -> list[Row]:
        return self.rows(
            "SELECT voucher_number, ledger_code, business_date, period, journal_type, currency,"
            " journal_count, total_debit_base, total_credit_base FROM {s}.voucher"
            " ORDER BY voucher_number"
        )

    def voucher_lines(self, voucher_number: str) -> list[Row]:
        return self.rows(
            "SELECT l.line_no, l.account_code, l.dc_marker, l.t0, l.t1, l.txn_amount,"
            " l.base_amount FROM {s}.voucher_line l JOIN {s}.voucher v USING (voucher_id)"
            " WHERE v.voucher_number = %s ORDER BY l.line_no",
            (voucher_number,),
        )

    def journal_voucher(self, ref: str) -> str | None:
        rows = self.rows(
            "SELECT v.voucher_number FROM {s}.sun_journal j"
            " LEFT JOIN {s}.voucher v ON v.voucher_id = j.voucher_id WHERE j.txn_reference = %s",
            (ref,),
        )
        return None if rows[0][0] is None else str(rows[0][0])

    def snapshot(self) -> dict[str, list[Row]]:
        """Every business column of every output table, in a stable order."""
        return {
            "sun_journal": self.rows(
                "SELECT journal_id, txn_reference, business_date, ledger_code, period,"
                " journal_type, journal_source, currency, fx_rate, description,"
                " total_debit_base, total_credit_base, line_count, metadata::text, voucher_id"
                " FROM {s}.sun_journal ORDER BY txn_reference"
            ),
            "gl_entries": self.rows(
                "SELECT txn_reference, line_no, account_code, dc_marker, currency, txn_amount,"
                " base_amount, period, business_date, t0, t1, t2, t3 FROM {s}.gl_entries"
                " ORDER BY txn_reference, line_no"
            ),
            "journal_error": self.rows(
                "SELECT txn_reference, business_date, error_code, message"
                " FROM {s}.journal_error ORDER BY txn_reference"
            ),
            "voucher": self.vouchers(),
            "voucher_line": self.rows(
                "SELECT voucher_id, line_no, account_code, dc_marker, t0, t1, txn_amount,"
                " base_amount FROM {s}.voucher_line ORDER BY voucher_id, line_no"
            ),
        }


@pytest.fixture(params=SIDES, ids=[f"side={s}" for s in SIDES])
def side_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def books(clean_db: Any, side_name: str, tmp_path: Path) -> Iterator[Books]:
    with clean_db.connect() as conn:
        yield Books(conn, side_name, tmp_path)
