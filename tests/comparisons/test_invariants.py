"""The bundled accounting invariants on one hand-built side: all hold, then each breaks."""

from __future__ import annotations

import tomllib
from importlib.resources import files

import pytest

from comparisons import InvariantQueryError, check_invariants, parse_invariants
from tests.comparisons.conftest import D, Pair

BOOKS = """
CREATE TABLE insurance_transaction (txn_reference text, business_date date, status text, policy_id bigint);
CREATE TABLE sun_journal (journal_id bigint, txn_reference text, business_date date, ledger_code text,
    total_debit_base numeric(18,2), total_credit_base numeric(18,2), line_count int, voucher_id bigint);
CREATE TABLE gl_entries (journal_id bigint, txn_reference text, line_no int, dc_marker char(1),
    base_amount numeric(18,2), business_date date);
CREATE TABLE voucher (voucher_id bigint, voucher_number text, ledger_code text, business_date date,
    journal_count int, total_debit_base numeric(18,2), total_credit_base numeric(18,2));
CREATE TABLE voucher_line (voucher_id bigint, line_no int, dc_marker char(1), base_amount numeric(18,2));
CREATE TABLE journal_error (txn_reference text, business_date date);
INSERT INTO insurance_transaction VALUES ('TX-1', '2024-03-01', 'PROCESSED', 1),
    ('TX-2', '2024-03-01', 'PROCESSED', 1), ('TX-3', '2024-03-01', 'ERROR', 1);
INSERT INTO sun_journal VALUES (1, 'TX-1', '2024-03-01', 'UK1', 100, 100, 2, 1),
    (2, 'TX-2', '2024-03-01', 'UK1', 50, 50, 3, 1);
INSERT INTO gl_entries VALUES (1, 'TX-1', 1, 'D', 100, '2024-03-01'), (1, 'TX-1', 2, 'C', 100, '2024-03-01'),
    (2, 'TX-2', 1, 'D', 50, '2024-03-01'), (2, 'TX-2', 2, 'C', 30, '2024-03-01'),
    (2, 'TX-2', 3, 'C', 20, '2024-03-01');
INSERT INTO voucher VALUES (1, 'UK1-20240301-0001', 'UK1', '2024-03-01', 2, 150, 150);
INSERT INTO voucher_line VALUES (1, 1, 'D', 150), (1, 2, 'C', 150);
INSERT INTO journal_error VALUES ('TX-3', '2024-03-01');
"""
NAMES = [
    "journals balance in base",
    "voucher totals equal their journals",
    "trial balance per ledger",
    "voucher numbers without gaps",
    "control totals carried from transactions to journals to GL to vouchers",
]


@pytest.fixture
def books(pair: Pair) -> Pair:
    """Two balanced journals in one voucher of UK1 and one rejected transaction: every
    invariant holds."""
    pair.on(pair.control, BOOKS)
    return pair


def check(books: Pair) -> dict[str, tuple[int, str]]:
    raw = tomllib.loads(files("harness").joinpath("default.toml").read_text(encoding="utf-8"))["invariants"]
    invariants = parse_invariants(raw, "default.toml", files("harness"))
    results = check_invariants(books.conn, invariants, books.control, D)
    assert all(r.holds == (r.violations == 0) for r in results)
    return {r.name: (r.violations, r.detail) for r in results}


def test_consistent_books_satisfy_every_invariant(books: Pair) -> None:
    assert check(books) == dict.fromkeys(NAMES, (0, ""))


BREAKS = {
    "unbalanced-journal": (
        "UPDATE gl_entries SET base_amount = 99.99 WHERE txn_reference = 'TX-1' AND dc_marker = 'C'",
        {
            "journals balance in base": (1, "TX-1"),
            "trial balance per ledger": (1, "UK1: debit 150.00 credit 149.99"),
        },
    ),
    "voucher-count": (
        "UPDATE voucher SET journal_count = 3",
        {
            "voucher totals equal their journals": (1, "UK1-20240301-0001"),
            NAMES[4]: (1, "journals 2 <> voucher journal counts 3"),
        },
    ),
    "voucher-gap": (
        "INSERT INTO voucher VALUES (2, 'UK1-20240301-0003', 'UK1', '2024-03-01', 0, 0, 0)",
        {"voucher numbers without gaps": (1, "UK1: 2 vouchers numbered 1..3")},
    ),
    "left-unprocessed": (
        "INSERT INTO insurance_transaction VALUES ('TX-4', '2024-03-01', 'NEW', 1)",
        {NAMES[4]: (1, "transactions left unprocessed: 1")},
    ),
    "lost-gl-line": (
        "DELETE FROM gl_entries WHERE txn_reference = 'TX-2' AND line_no = 3",
        {
            "journals balance in base": (1, "TX-2"),
            "trial balance per ledger": (1, "UK1: debit 150.00 credit 130.00"),
            NAMES[4]: (1, "journal line counts 5 <> GL lines 4"),
        },
    ),
}


@pytest.mark.parametrize("case", list(BREAKS), ids=list(BREAKS))
def test_each_break_is_reported_by_the_invariants_it_breaks(books: Pair, case: str) -> None:
    statement, broken = BREAKS[case]
    books.on(books.control, statement)
    assert check(books) == {name: broken.get(name, (0, "")) for name in NAMES}


def test_an_invariant_must_return_one_row_of_violations_and_detail(books: Pair) -> None:
    bad = parse_invariants([{"name": "two rows", "query": "SELECT 1, 'a' UNION ALL SELECT 2, 'b'"}], "h.toml")
    with pytest.raises(
        InvariantQueryError,
        match=r"two rows\): must return one row \(violations bigint, detail text\), got 2",
    ):
        check_invariants(books.conn, bad, books.control, D)
    missing = parse_invariants([{"name": "no table", "query": "SELECT count(*), '' FROM nowhere"}], "h.toml")
    with pytest.raises(
        InvariantQueryError, match=r"no table\): the query failed on ctl: relation \"ctl.nowhere\""
    ):
        check_invariants(books.conn, missing, books.control, D)
