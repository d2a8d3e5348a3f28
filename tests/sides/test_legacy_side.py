"""What only the legacy side promises: its shape (domain.md, "What makes legacy legacy"),
its job log and its return value. The shared contract is in test_side_contract.py."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

D = date(2024, 3, 15)
LEGACY = Path(__file__).resolve().parents[2] / "legacy"
legacy_only = pytest.mark.parametrize("side_name", ["legacy"], ids=["side=legacy"])


def function_body(text: str) -> list[str]:
    match = re.search(r"AS \$function\$\n(.*?)\n\$function\$;", text, re.S)
    assert match, "process_journals.sql holds one $function$-quoted body"
    return match.group(1).split("\n")


def test_one_function_of_350_to_450_lines_that_never_reads_posting_rule() -> None:
    text = (LEGACY / "process_journals.sql").read_text(encoding="utf-8")
    assert len(re.findall(r"CREATE (OR REPLACE )?FUNCTION", text)) == 1
    body = function_body(text)
    assert 350 <= len(body) <= 450
    code = "\n".join(body)
    assert "posting_rule" not in code
    for trait in (
        "FOR r IN",
        "SELECT COALESCE(MAX(journal_id), 0) + 1",
        "EXCEPTION WHEN OTHERS",
        "ORDER BY fx.rate_date DESC",
        "RAISE NOTICE",
        "clock_timestamp()",
    ):
        assert trait in code, trait


@legacy_only
def test_primary_keys_are_the_only_indexes_and_metadata_is_text(books: Any) -> None:
    indexes = books.rows(
        "SELECT c.relname, i.indisprimary FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
        (books.schema,),
    )
    assert len(indexes) == 7  # one per table
    assert all(primary for _, primary in indexes)
    constraints = books.rows(
        "SELECT contype FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE n.nspname = %s AND contype IN ('u', 'f', 'x')",
        (books.schema,),
    )
    assert constraints == []  # no UNIQUE, no foreign key
    assert books.rows(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = %s"
        " AND table_name = 'sun_journal' AND column_name = 'metadata'",
        (books.schema,),
    ) == [("text",)]


@legacy_only
def test_job_log_has_one_row_per_phase_of_the_latest_run(books: Any) -> None:
    books.txn(1, 101, "NEW_BUSINESS", "1000.00")  # 7 GL lines
    books.txn(2, 101, "CLAIM_RECOVERY", "80.00")  # 2 GL lines
    books.txn(3, 999, "NEW_BUSINESS", "10.00")  # NO_POLICY
    result = books.process()
    # 3 read, 2 journals, 9 GL lines, 2 vouchers (CLM, PREM), 2 + 7 export lines
    assert [(p.name, p.rows) for p in result.logged_phases] == [
        ("data fetch", 3),
        ("journal creation", 2),
        ("GL posting", 9),
        ("voucher creation", 2),
        ("export", 9),
    ]
    assert all(p.seconds >= 0 for p in result.logged_phases)
    again = books.process()  # a rerun logs a new run with nothing done
    assert [(p.name, p.rows) for p in again.logged_phases] == [
        ("data fetch", 0),
        ("journal creation", 0),
        ("GL posting", 0),
        ("voucher creation", 0),
        ("export", 0),
    ]
    assert books.rows("SELECT count(*), count(DISTINCT run_id) FROM {s}.job_log") == [(10, 2)]


@legacy_only
def test_returns_a_summary_and_logs_unexpected_failures_per_transaction(books: Any) -> None:
    # A USD amount whose GBP base overflows numeric(18,2) fails inside the row's
    # BEGIN ... EXCEPTION block: that row is rejected as UNEXPECTED_ERROR, the others go on.
    books.fx("USD", "GBP", D, "1000.00000000")
    bad = books.txn(1, 102, "NEW_BUSINESS", "9999999999999999.99", currency="USD")
    good = books.txn(2, 102, "NEW_BUSINESS", "10.00")
    books.conn.execute(f"SET search_path TO {books.schema}, source")
    row = books.conn.execute("SELECT process_journals(%s)", (D,)).fetchone()
    assert row[0] == (
        "2024-03-15: 2 read, 1 journals, 1 errors, 2 GL lines, 1 vouchers, 2 voucher lines, 2 export lines"
    )
    errors = books.errors()
    assert [(e[0], e[2]) for e in errors] == [(bad, "UNEXPECTED_ERROR")]
    assert str(errors[0][3]).startswith("22003: ")  # numeric_value_out_of_range
    assert books.status(bad)[0] == "ERROR"
    assert books.status(good) == ("PROCESSED", True)
