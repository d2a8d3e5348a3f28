"""The output contract (docs/domain.md, docs/sides.md), checked for every side.

Every expected value is worked out by hand in the test (the arithmetic is in the comments);
nothing is recomputed with the sides' own logic. Fixtures: tests/sides/conftest.py (base data:
UK1 GBP / IE1 EUR / US1 USD, March 2024 open for UK1 and IE1 and closed for US1, brokers BRK1
15% and BRK2 20%, tax IPT 12% and IELEVY 3%, policies 101-105). D = 2024-03-15.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

D = date(2024, 3, 15)
HEADER = (
    "Ledger,AccountCode,AccountingPeriod,TransactionDate,JournalType,JournalSource,"
    "TransactionReference,LineNo,Description,DebitCredit,CurrencyCode,TransactionAmount,"
    "BaseAmount,AnalysisCode1,AnalysisCode2"
)


def dec(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


def lines(*rows: tuple[int, str, str, str, str, str]) -> list[tuple[Any, ...]]:
    """GL rows as (line_no, account, D/C, currency, txn_amount, base_amount)."""
    return [(n, a, dc, c, Decimal(t), Decimal(b)) for n, a, dc, c, t, b in rows]


# ---------------------------------------------------------------------------------------------
# Premium and claim postings
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("txn_type", ["NEW_BUSINESS", "RENEWAL", "ENDORSEMENT"])
def test_premium_posting(books: Any, txn_type: str) -> None:
    # Policy 101: UK1 (GBP), broker BRK1 15%, reinsurance 25%, IPT 12%. G = 1000.00 GBP.
    # T = 1000.00 * 0.12 = 120.00; C = 1000.00 * 0.15 = 150.00; R = 1000.00 * 0.25 = 250.00
    ref = books.txn(1, 101, txn_type, "1000.00")
    books.process()
    assert books.gl(ref) == lines(
        (1, "1100", "D", "GBP", "1120.00", "1120.00"),  # G + T
        (2, "4000", "C", "GBP", "1000.00", "1000.00"),  # G
        (3, "2300", "C", "GBP", "120.00", "120.00"),  # T
        (4, "5100", "D", "GBP", "150.00", "150.00"),  # C
        (5, "2100", "C", "GBP", "150.00", "150.00"),  # C
        (6, "5200", "D", "GBP", "250.00", "250.00"),  # R
        (7, "2200", "C", "GBP", "250.00", "250.00"),  # R
    )
    j = books.journal(ref)
    # debits 1120 + 150 + 250 = 1520 = credits 1000 + 120 + 150 + 250
    assert j == {
        "ledger_code": "UK1",
        "period": "2024/003",
        "journal_type": "PREM",
        "journal_source": "INSJNL",
        "currency": "GBP",
        "fx_rate": Decimal("1"),
        "description": f"{txn_type} 1",
        "total_debit_base": Decimal("1520.00"),
        "total_credit_base": Decimal("1520.00"),
        "line_count": 7,
        "business_date": D,
    }
    assert books.status(ref) == ("PROCESSED", True)
    assert books.errors() == []


def test_gl_analysis_codes(books: Any) -> None:
    # t0 = line_of_business, t1 = product_code, t2 = broker_code or DIRECT, t3 = policy_number
    brokered = books.txn(1, 101, "NEW_BUSINESS", "100.00")
    direct = books.txn(2, 102, "NEW_BUSINESS", "100.00")
    books.process()
    rows = books.rows(
        "SELECT DISTINCT txn_reference, t0, t1, t2, t3, period, business_date FROM {s}.gl_entries ORDER BY 1"
    )
    assert rows == [
        (brokered, "MOTOR", "MOT1", "BRK1", "POL-UK-101", "2024/003", D),
        (direct, "PROPERTY", "HOME1", "DIRECT", "POL-UK-102", "2024/003", D),
    ]


def test_cancellation_swaps_sides_and_rounds_half_away_from_zero(books: Any) -> None:
    # Policy 101, commission overridden on the transaction: 10% instead of BRK1's 15%.
    # G = -400.05; T = round(-48.006) = -48.01; C = round(-40.005) = -40.01 (half away
    # from zero, not to even); R = round(-100.0125) = -100.01. Negative: D and C swap.
    ref = books.txn(1, 101, "CANCELLATION", "-400.05", commission="0.1000")
    books.process()
    assert books.gl(ref) == lines(
        (1, "1100", "C", "GBP", "448.06", "448.06"),  # |G + T| = 400.05 + 48.01
        (2, "4000", "D", "GBP", "400.05", "400.05"),
        (3, "2300", "D", "GBP", "48.01", "48.01"),
        (4, "5100", "C", "GBP", "40.01", "40.01"),
        (5, "2100", "D", "GBP", "40.01", "40.01"),
        (6, "5200", "C", "GBP", "100.01", "100.01"),
        (7, "2200", "D", "GBP", "100.01", "100.01"),
    )
    j = books.journal(ref)
    # debits 400.05 + 48.01 + 40.01 + 100.01 = 588.08; credits 448.06 + 40.01 + 100.01 = 588.08
    assert (j["journal_type"], j["total_debit_base"], j["total_credit_base"]) == (
        "PREM",
        Decimal("588.08"),
        Decimal("588.08"),
    )


def test_zero_components_are_skipped_and_line_no_counts_posted_lines(books: Any) -> None:
    # Policy 102: direct (no broker), no tax code, reinsurance 0: only G + T and G remain.
    bare = books.txn(1, 102, "NEW_BUSINESS", "250.00")
    # Same policy, commission on the transaction: 250.00 * 0.04 = 10.00 even without broker.
    with_comm = books.txn(2, 102, "RENEWAL", "250.00", commission="0.0400")
    books.process()
    assert books.gl(bare) == lines(
        (1, "1100", "D", "GBP", "250.00", "250.00"),
        (2, "4000", "C", "GBP", "250.00", "250.00"),
    )
    assert books.gl(with_comm) == lines(
        (1, "1100", "D", "GBP", "250.00", "250.00"),
        (2, "4000", "C", "GBP", "250.00", "250.00"),
        (3, "5100", "D", "GBP", "10.00", "10.00"),
        (4, "2100", "C", "GBP", "10.00", "10.00"),
    )
    assert books.journal(bare)["line_count"] == 2


def test_claim_payment(books: Any) -> None:
    # Policy 101 (reinsurance 25%, IPT, BRK1): claims carry no tax and no commission, even
    # with a commission rate on the transaction. G = 500.00, R = 500.00 * 0.25 = 125.00.
    ref = books.txn(1, 101, "CLAIM_PAYMENT", "500.00", commission="0.2000")
    books.process()
    assert books.gl(ref) == lines(
        (1, "6000", "D", "GBP", "500.00", "500.00"),
        (2, "1000", "C", "GBP", "500.00", "500.00"),
        (3, "1200", "D", "GBP", "125.00", "125.00"),
        (4, "6100", "C", "GBP", "125.00", "125.00"),
    )
    j = books.journal(ref)
    assert (j["journal_type"], j["total_debit_base"], j["line_count"]) == (
        "CLM",
        Decimal("625.00"),
        4,
    )  # 500 + 125


def test_claim_recovery(books: Any) -> None:
    # Policy 101: a recovery posts G only (no reinsurance lines): G = 80.00.
    ref = books.txn(1, 101, "CLAIM_RECOVERY", "80.00")
    books.process()
    assert books.gl(ref) == lines(
        (1, "1000", "D", "GBP", "80.00", "80.00"),
        (2, "6200", "C", "GBP", "80.00", "80.00"),
    )
    j = books.journal(ref)
    assert (j["journal_type"], j["total_debit_base"], j["total_credit_base"]) == (
        "CLM",
        Decimal("80.00"),
        Decimal("80.00"),
    )


def test_foreign_currency_posting_uses_the_rate_on_every_line(books: Any) -> None:
    # Policy 103: IE1 (EUR base), BRK2 20%, reinsurance 10%, IELEVY 3%. G = 1000.00 GBP
    # at GBP->EUR 1.17 (rate of D - 1). T = 30.00, C = 200.00, R = 100.00.
    books.fx("GBP", "EUR", D - timedelta(days=1), "1.17000000")
    ref = books.txn(1, 103, "NEW_BUSINESS", "1000.00", currency="GBP")
    books.process()
    assert books.gl(ref) == lines(
        (1, "1100", "D", "GBP", "1030.00", "1205.10"),  # 1030 * 1.17
        (2, "4000", "C", "GBP", "1000.00", "1170.00"),  # 1000 * 1.17
        (3, "2300", "C", "GBP", "30.00", "35.10"),  # 30 * 1.17
        (4, "5100", "D", "GBP", "200.00", "234.00"),  # 200 * 1.17
        (5, "2100", "C", "GBP", "200.00", "234.00"),
        (6, "5200", "D", "GBP", "100.00", "117.00"),  # 100 * 1.17
        (7, "2200", "C", "GBP", "100.00", "117.00"),
    )
    j = books.journal(ref)
    # 1205.10 + 234 + 117 = 1556.10 = 1170 + 35.10 + 234 + 117
    assert (j["ledger_code"], j["currency"], j["fx_rate"], j["total_debit_base"]) == (
        "IE1",
        "GBP",
        Decimal("1.17"),
        Decimal("1556.10"),
    )


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def test_each_error_code_and_message(books: Any) -> None:
    no_policy = books.txn(1, 999, "NEW_BUSINESS", "100.00")
    unknown = books.txn(2, 101, "REFUND", "100.00")
    closed = books.txn(3, 104, "NEW_BUSINESS", "100.00", currency="USD")  # US1 March closed
    no_fx = books.txn(4, 101, "NEW_BUSINESS", "100.00", currency="JPY")
    books.fx("GBP", "JPY", D, "190.00000000")  # the other direction does not count
    zero = books.txn(5, 101, "NEW_BUSINESS", "0.00")
    good = books.txn(6, 101, "NEW_BUSINESS", "100.00")
    books.process()
    assert books.errors() == [
        (no_policy, D, "NO_POLICY", "policy 999 not found"),
        (unknown, D, "UNKNOWN_TXN_TYPE", "unknown transaction type REFUND"),
        (closed, D, "PERIOD_CLOSED", "no open accounting period for ledger US1 on 2024-03-15"),
        (no_fx, D, "NO_FX_RATE", "no FX rate JPY to GBP between 2024-03-08 and 2024-03-15"),
        (zero, D, "ZERO_AMOUNT", "gross amount is zero"),
    ]
    for ref in (no_policy, unknown, closed, no_fx, zero):
        assert books.status(ref)[0] == "ERROR"
    assert books.status(good) == ("PROCESSED", True)
    # rejected transactions produce no journal and no GL line
    assert books.rows("SELECT txn_reference FROM {s}.sun_journal") == [(good,)]
    assert books.rows("SELECT DISTINCT txn_reference FROM {s}.gl_entries") == [(good,)]


def test_error_checks_run_in_order(books: Any) -> None:
    # Each transaction fails several checks; only the first in the order
    # NO_POLICY, UNKNOWN_TXN_TYPE, PERIOD_CLOSED, NO_FX_RATE, ZERO_AMOUNT is reported.
    a = books.txn(1, 999, "BOGUS", "0.00", currency="JPY")  # every check fails
    b = books.txn(2, 104, "BOGUS", "0.00", currency="JPY")  # type, period, fx, zero
    c = books.txn(3, 104, "RENEWAL", "0.00", currency="JPY")  # period, fx, zero
    e = books.txn(4, 101, "RENEWAL", "0.00", currency="JPY")  # fx, zero
    books.process()
    assert [(r[0], r[2]) for r in books.errors()] == [
        (a, "NO_POLICY"),
        (b, "UNKNOWN_TXN_TYPE"),
        (c, "PERIOD_CLOSED"),
        (e, "NO_FX_RATE"),
    ]


def test_period_must_be_open_and_contain_the_date(books: Any) -> None:
    # UK1 February is CLOSED; April has no period at all.
    feb = books.txn(1, 101, "NEW_BUSINESS", "100.00", business_date=date(2024, 2, 29))
    apr = books.txn(2, 101, "NEW_BUSINESS", "100.00", business_date=date(2024, 4, 1))
    mar_first = books.txn(3, 101, "NEW_BUSINESS", "100.00", business_date=date(2024, 3, 1))
    mar_last = books.txn(4, 101, "NEW_BUSINESS", "100.00", business_date=date(2024, 3, 31))
    for d in (date(2024, 2, 29), date(2024, 4, 1), date(2024, 3, 1), date(2024, 3, 31)):
        books.process(d)
    assert books.errors() == [
        (feb, date(2024, 2, 29), "PERIOD_CLOSED", "no open accounting period for ledger UK1 on 2024-02-29"),
        (apr, date(2024, 4, 1), "PERIOD_CLOSED", "no open accounting period for ledger UK1 on 2024-04-01"),
    ]
    assert books.journal(mar_first)["period"] == "2024/003"  # start_date boundary
    assert books.journal(mar_last)["period"] == "2024/003"  # end_date boundary


# ---------------------------------------------------------------------------------------------
# Tax and FX windows
# ---------------------------------------------------------------------------------------------


def test_tax_validity_windows(books: Any) -> None:
    # T1: 10% to 2024-03-15 inclusive, nothing on 03-16..03-19, 20% from 2024-03-20.
    books.tax("T1", "0.1000", date(2024, 1, 1), date(2024, 3, 15))
    books.tax("T1", "0.2000", date(2024, 3, 20), None)
    # T2: two open-ended rows valid on D: the latest valid_from (7%) wins.
    books.tax("T2", "0.0500", date(2020, 1, 1), None)
    books.tax("T2", "0.0700", date(2024, 3, 1), None)
    # T3: expired before D.
    books.tax("T3", "0.0900", date(2020, 1, 1), date(2024, 3, 14))
    for pid, code in ((201, "T1"), (202, "T2"), (203, "T3"), (204, "NOSUCH")):
        books.policy(pid, tax_code=code)
    on_valid_to = books.txn(1, 201, "NEW_BUSINESS", "100.00", business_date=date(2024, 3, 15))
    in_gap = books.txn(2, 201, "NEW_BUSINESS", "100.00", business_date=date(2024, 3, 16))
    on_valid_from = books.txn(3, 201, "NEW_BUSINESS", "100.00", business_date=date(2024, 3, 20))
    latest = books.txn(4, 202, "NEW_BUSINESS", "100.00")
    expired = books.txn(5, 203, "NEW_BUSINESS", "100.00")
    unknown_code = books.txn(6, 204, "NEW_BUSINESS", "100.00")
    for d in (date(2024, 3, 15), date(2024, 3, 16), date(2024, 3, 20)):
        books.process(d)

    def receivable_and_tax(ref: str) -> tuple[Decimal, Decimal | None]:
        rows = {r[1]: r[4] for r in books.gl(ref)}
        return rows["1100"], rows.get("2300")

    assert receivable_and_tax(on_valid_to) == dec("110.00", "10.00")  # 100 * 0.10
    assert receivable_and_tax(in_gap) == (Decimal("100.00"), None)  # no valid rate: 0
    assert receivable_and_tax(on_valid_from) == dec("120.00", "20.00")  # 100 * 0.20
    assert receivable_and_tax(latest) == dec("107.00", "7.00")  # 100 * 0.07
    assert receivable_and_tax(expired) == (Decimal("100.00"), None)
    assert receivable_and_tax(unknown_code) == (Decimal("100.00"), None)


def test_fx_window_and_latest_rate(books: Any) -> None:
    # USD->GBP has a single rate, dated 2024-03-08: D - 7 for 03-15 (in), D - 8 for 03-16 (out).
    books.fx("USD", "GBP", date(2024, 3, 8), "0.80000000")
    # EUR->GBP: the latest rate in [D - 7, D] wins (03-12), not one after D or before D - 7.
    books.fx("EUR", "GBP", date(2024, 3, 7), "0.50000000")
    books.fx("EUR", "GBP", date(2024, 3, 10), "0.85000000")
    books.fx("EUR", "GBP", date(2024, 3, 12), "0.86000000")
    books.fx("EUR", "GBP", date(2024, 3, 16), "0.99000000")
    # Policy 102: UK1, direct, no tax, no reinsurance: two lines, G and G.
    edge = books.txn(1, 102, "NEW_BUSINESS", "100.00", currency="USD")
    latest = books.txn(2, 102, "NEW_BUSINESS", "200.00", currency="EUR")
    same = books.txn(3, 102, "NEW_BUSINESS", "300.00", currency="GBP")
    too_old = books.txn(4, 102, "NEW_BUSINESS", "100.00", currency="USD", business_date=date(2024, 3, 16))
    books.process(date(2024, 3, 15))
    books.process(date(2024, 3, 16))
    assert books.gl(edge) == lines(
        (1, "1100", "D", "USD", "100.00", "80.00"),  # 100 * 0.80
        (2, "4000", "C", "USD", "100.00", "80.00"),
    )
    assert books.journal(edge)["fx_rate"] == Decimal("0.8")
    assert books.gl(latest) == lines(
        (1, "1100", "D", "EUR", "200.00", "172.00"),  # 200 * 0.86
        (2, "4000", "C", "EUR", "200.00", "172.00"),
    )
    assert books.journal(latest)["fx_rate"] == Decimal("0.86")
    assert books.journal(same)["fx_rate"] == Decimal("1")  # base currency: rate 1
    assert books.errors() == [
        (too_old, date(2024, 3, 16), "NO_FX_RATE", "no FX rate USD to GBP between 2024-03-09 and 2024-03-16"),
    ]


# ---------------------------------------------------------------------------------------------
# Rounding line and balance
# ---------------------------------------------------------------------------------------------


def test_rounding_line_credit_when_debits_exceed(books: Any) -> None:
    # Policy 105: UK1 (GBP base), direct, IPT 12%, no reinsurance; USD at 0.79.
    # G = 10.13, T = round(1.2156) = 1.22, G + T = 11.35.
    # Dr 1100: round(11.35 * 0.79 = 8.9665) = 8.97
    # Cr 4000: round(10.13 * 0.79 = 8.0027) = 8.00; Cr 2300: round(1.22 * 0.79 = 0.9638) = 0.96
    # diff = 8.97 - (8.00 + 0.96) = +0.01 -> Cr 7999 0.01, txn_amount 0
    books.fx("USD", "GBP", D, "0.79000000")
    ref = books.txn(1, 105, "NEW_BUSINESS", "10.13", currency="USD")
    books.process()
    assert books.gl(ref) == lines(
        (1, "1100", "D", "USD", "11.35", "8.97"),
        (2, "4000", "C", "USD", "10.13", "8.00"),
        (3, "2300", "C", "USD", "1.22", "0.96"),
        (4, "7999", "C", "USD", "0.00", "0.01"),
    )
    j = books.journal(ref)
    assert (j["total_debit_base"], j["total_credit_base"], j["line_count"]) == (
        Decimal("8.97"),
        Decimal("8.97"),
        4,
    )
    # the rounding line carries the same analysis codes as the others
    codes = books.rows("SELECT DISTINCT t0, t1, t2, t3 FROM {s}.gl_entries")
    assert codes == [("TRAVEL", "TRV1", "DIRECT", "POL-UK-105")]


def test_rounding_line_debit_when_credits_exceed(books: Any) -> None:
    # G = 10.02, T = round(1.2024) = 1.20, G + T = 11.22 (USD at 0.79)
    # Dr 1100: round(8.8638) = 8.86; Cr 4000: round(7.9158) = 7.92; Cr 2300: round(0.948) = 0.95
    # diff = 8.86 - (7.92 + 0.95) = -0.01 -> Dr 7999 0.01
    books.fx("USD", "GBP", D, "0.79000000")
    ref = books.txn(1, 105, "NEW_BUSINESS", "10.02", currency="USD")
    books.process()
    assert books.gl(ref) == lines(
        (1, "1100", "D", "USD", "11.22", "8.86"),
        (2, "4000", "C", "USD", "10.02", "7.92"),
        (3, "2300", "C", "USD", "1.20", "0.95"),
        (4, "7999", "D", "USD", "0.00", "0.01"),
    )
    j = books.journal(ref)
    assert (j["total_debit_base"], j["total_credit_base"], j["line_count"]) == (
        Decimal("8.87"),
        Decimal("8.87"),
        4,
    )


def test_rounding_line_of_a_cancellation(books: Any) -> None:
    # G = -10.13: the lines of the +0.01 case with sides swapped, so credits now exceed:
    # Cr 1100 8.97; Dr 4000 8.00, Dr 2300 0.96 -> diff = 8.96 - 8.97 = -0.01 -> Dr 7999 0.01
    books.fx("USD", "GBP", D, "0.79000000")
    ref = books.txn(1, 105, "CANCELLATION", "-10.13", currency="USD")
    books.process()
    assert books.gl(ref) == lines(
        (1, "1100", "C", "USD", "11.35", "8.97"),
        (2, "4000", "D", "USD", "10.13", "8.00"),
        (3, "2300", "D", "USD", "1.22", "0.96"),
        (4, "7999", "D", "USD", "0.00", "0.01"),
    )


def test_every_journal_balances_in_base(books: Any) -> None:
    # A mixed day: every type, three currencies at awkward rates, many amounts. The check is
    # the invariant itself, not a recomputation: each journal balances, totals agree.
    books.fx("USD", "GBP", D, "0.79123456")
    books.fx("EUR", "GBP", D, "0.85555555")
    books.fx("GBP", "EUR", D, "1.16883117")
    books.fx("USD", "EUR", D, "0.92345678")
    types = ["NEW_BUSINESS", "RENEWAL", "ENDORSEMENT", "CANCELLATION", "CLAIM_PAYMENT", "CLAIM_RECOVERY"]
    ccys = {101: ["GBP", "USD", "EUR"], 103: ["EUR", "GBP", "USD"], 105: ["USD", "GBP"]}
    n = 0
    for pid, cs in ccys.items():
        for ccy in cs:
            for i, t in enumerate(types):
                n += 1
                cents = 1001 + 997 * n + 13 * i
                gross = f"{'-' if t == 'CANCELLATION' else ''}{cents // 100}.{cents % 100:02d}"
                books.txn(n, pid, t, gross, currency=ccy)
    books.process()
    assert books.errors() == []
    unbalanced = books.rows("""
        SELECT j.txn_reference, j.total_debit_base, j.total_credit_base, j.line_count,
               sum(g.base_amount) FILTER (WHERE g.dc_marker = 'D'),
               sum(g.base_amount) FILTER (WHERE g.dc_marker = 'C'), count(g.*)
        FROM {s}.sun_journal j JOIN {s}.gl_entries g ON g.journal_id = j.journal_id
        GROUP BY j.journal_id, j.txn_reference, j.total_debit_base, j.total_credit_base,
                 j.line_count
        HAVING j.total_debit_base <> j.total_credit_base
            OR sum(g.base_amount) FILTER (WHERE g.dc_marker = 'D') <> j.total_debit_base
            OR sum(g.base_amount) FILTER (WHERE g.dc_marker = 'C') <> j.total_credit_base
            OR count(g.*) <> j.line_count OR max(g.line_no) <> count(g.*)
    """)
    assert unbalanced == []
    assert books.rows("SELECT count(*) FROM {s}.sun_journal") == [(n,)]
    assert books.rows(
        "SELECT count(*) FROM {s}.gl_entries WHERE txn_amount < 0 OR base_amount < 0"
        " OR (account_code = '7999') <> (txn_amount = 0)"
    ) == [(0,)]
    # vouchers carry the sums of their journals and of their GL lines
    assert books.rows("""
        SELECT count(*) FROM {s}.voucher v
        WHERE v.total_debit_base <> v.total_credit_base
           OR v.total_debit_base <> (SELECT sum(total_debit_base) FROM {s}.sun_journal j
                                     WHERE j.voucher_id = v.voucher_id)
           OR v.journal_count <> (SELECT count(*) FROM {s}.sun_journal j
                                  WHERE j.voucher_id = v.voucher_id)
           OR (SELECT sum(base_amount) FROM {s}.voucher_line l WHERE l.voucher_id = v.voucher_id)
              <> (SELECT sum(g.base_amount) FROM {s}.gl_entries g
                  JOIN {s}.sun_journal j ON j.journal_id = g.journal_id
                  WHERE j.voucher_id = v.voucher_id)
    """) == [(0,)]
    assert books.rows("SELECT count(*) FROM {s}.sun_journal WHERE voucher_id IS NULL") == [(0,)]


# ---------------------------------------------------------------------------------------------
# Vouchers
# ---------------------------------------------------------------------------------------------


def test_vouchers_grouping_numbering_and_lines(books: Any) -> None:
    books.fx("USD", "GBP", D, "0.80000000")
    books.policy(301, product="MOT2", lob="MOTOR")  # UK1, direct, no tax, no reinsurance
    p1 = books.txn(1, 102, "NEW_BUSINESS", "100.00")  # UK1 PREM GBP
    c1 = books.txn(2, 102, "CLAIM_RECOVERY", "40.00")  # UK1 CLM GBP
    u1 = books.txn(3, 102, "RENEWAL", "50.00", currency="USD")  # UK1 PREM USD
    p2 = books.txn(4, 102, "ENDORSEMENT", "30.00")  # UK1 PREM GBP
    p3 = books.txn(5, 301, "NEW_BUSINESS", "20.00")  # UK1 PREM GBP, other t0/t1
    i1 = books.txn(6, 103, "NEW_BUSINESS", "1000.00", currency="EUR")  # IE1 PREM EUR
    books.process()
    # UK1 in (journal_type, currency) order: (CLM, GBP), (PREM, GBP), (PREM, USD)
    assert books.vouchers() == [
        (
            "IE1-20240315-0001",
            "IE1",
            D,
            "2024/003",
            "PREM",
            "EUR",
            1,
            *dec("1330.00", "1330.00"),
        ),  # 1030 + 200 + 100 (T 30, C 200, R 100)
        ("UK1-20240315-0001", "UK1", D, "2024/003", "CLM", "GBP", 1, *dec("40.00", "40.00")),
        (
            "UK1-20240315-0002",
            "UK1",
            D,
            "2024/003",
            "PREM",
            "GBP",
            3,
            *dec("150.00", "150.00"),
        ),  # 100 + 30 + 20
        ("UK1-20240315-0003", "UK1", D, "2024/003", "PREM", "USD", 1, *dec("40.00", "40.00")),  # 50 * 0.80
    ]
    assert [books.journal_voucher(r) for r in (p1, c1, u1, p2, p3, i1)] == [
        "UK1-20240315-0002",
        "UK1-20240315-0001",
        "UK1-20240315-0003",
        "UK1-20240315-0002",
        "UK1-20240315-0002",
        "IE1-20240315-0001",
    ]
    # grouped by (account, D/C, t0, t1) in that order: MOTOR/MOT2 sorts before PROPERTY/HOME1
    assert books.voucher_lines("UK1-20240315-0002") == [
        (1, "1100", "D", "MOTOR", "MOT2", *dec("20.00", "20.00")),
        (2, "1100", "D", "PROPERTY", "HOME1", *dec("130.00", "130.00")),  # 100 + 30
        (3, "4000", "C", "MOTOR", "MOT2", *dec("20.00", "20.00")),
        (4, "4000", "C", "PROPERTY", "HOME1", *dec("130.00", "130.00")),
    ]
    assert books.voucher_lines("UK1-20240315-0001") == [
        (1, "1000", "D", "PROPERTY", "HOME1", *dec("40.00", "40.00")),
        (2, "6200", "C", "PROPERTY", "HOME1", *dec("40.00", "40.00")),
    ]


def test_rerun_after_late_transactions_continues_the_sequence(books: Any) -> None:
    first = books.txn(1, 102, "NEW_BUSINESS", "100.00")  # UK1 PREM GBP
    books.txn(2, 102, "CLAIM_RECOVERY", "40.00")  # UK1 CLM GBP
    books.txn(3, 103, "NEW_BUSINESS", "1000.00", currency="EUR")  # IE1 PREM EUR
    books.process()
    before = books.vouchers()
    assert [v[0] for v in before] == ["IE1-20240315-0001", "UK1-20240315-0001", "UK1-20240315-0002"]
    # Late transactions of the same date arrive; the rerun posts only them.
    late_p = books.txn(4, 102, "RENEWAL", "70.00")
    late_c = books.txn(5, 102, "CLAIM_RECOVERY", "5.00")
    books.process()
    after = books.vouchers()
    assert after[:3] == before  # earlier vouchers untouched
    assert after[3:] == [
        ("UK1-20240315-0003", "UK1", D, "2024/003", "CLM", "GBP", 1, *dec("5.00", "5.00")),
        ("UK1-20240315-0004", "UK1", D, "2024/003", "PREM", "GBP", 1, *dec("70.00", "70.00")),
    ]
    assert books.journal_voucher(first) == "UK1-20240315-0002"
    assert books.journal_voucher(late_p) == "UK1-20240315-0004"
    assert books.journal_voucher(late_c) == "UK1-20240315-0003"
    # the export of the date holds every voucher of the ledger, old and new
    files = books.export()
    uk = files["UK1_20240315.csv"].splitlines()
    assert [row.split(",")[6] for row in uk[1:]] == [
        "UK1-20240315-0001",
        "UK1-20240315-0001",
        "UK1-20240315-0002",
        "UK1-20240315-0002",
        "UK1-20240315-0003",
        "UK1-20240315-0003",
        "UK1-20240315-0004",
        "UK1-20240315-0004",
    ]
    assert files["IE1_20240315.csv"].count("\n") == 1 + 7  # header + 7 lines, unchanged


def test_rerun_of_a_processed_date_posts_nothing(books: Any) -> None:
    books.fx("USD", "GBP", D, "0.79000000")
    books.txn(1, 101, "NEW_BUSINESS", "1000.00")
    books.txn(2, 105, "NEW_BUSINESS", "10.13", currency="USD")
    books.txn(3, 999, "NEW_BUSINESS", "10.00")  # an error stays one error
    books.process()
    snapshot = books.snapshot()
    export = books.export(sub="first")
    books.process()
    assert books.snapshot() == snapshot
    assert books.export(sub="second") == export
    assert len(snapshot["journal_error"]) == 1


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def test_export_exact_file_content_and_quoting(books: Any) -> None:
    # A product code and an account name that need RFC 4180 quoting reach the file.
    books.source_sql(
        "UPDATE account SET name = 'Salvage and \"subrogation\", net' WHERE account_code = '6200'"
    )
    books.policy(401, product='HOME,"Plus"', lob="PROPERTY")  # UK1, direct, no tax/reins
    books.fx("USD", "GBP", D, "0.79000000")
    books.txn(1, 401, "NEW_BUSINESS", "250.00")  # UK1 PREM GBP
    books.txn(2, 101, "CLAIM_RECOVERY", "80.00")  # UK1 CLM GBP
    books.txn(3, 105, "NEW_BUSINESS", "10.13", currency="USD")  # UK1 PREM USD, +0.01 case
    books.txn(4, 103, "NEW_BUSINESS", "1000.00", currency="EUR")  # IE1 PREM EUR
    books.process()
    files = books.export()
    assert sorted(files) == ["IE1_20240315.csv", "UK1_20240315.csv"]  # no vouchers: no file
    assert (
        files["UK1_20240315.csv"]
        == "\n".join(
            [
                HEADER,
                "UK1,1000,2024/003,15032024,CLM,INSJNL,UK1-20240315-0001,1,Bank,D,GBP,80.00,80.00,MOTOR,MOT1",
                'UK1,6200,2024/003,15032024,CLM,INSJNL,UK1-20240315-0001,2,"Salvage and ""subrogation"", '
                'net",C,GBP,80.00,80.00,MOTOR,MOT1',
                "UK1,1100,2024/003,15032024,PREM,INSJNL,UK1-20240315-0002,1,Premium receivable,D,GBP,"
                '250.00,250.00,PROPERTY,"HOME,""Plus"""',
                "UK1,4000,2024/003,15032024,PREM,INSJNL,UK1-20240315-0002,2,Gross written premium,C,GBP,"
                '250.00,250.00,PROPERTY,"HOME,""Plus"""',
                # 11.35 * 0.79 = 8.9665 -> 8.97; 1.22 * 0.79 -> 0.96; 10.13 * 0.79 -> 8.00; 7999 0.01
                "UK1,1100,2024/003,15032024,PREM,INSJNL,UK1-20240315-0003,1,Premium receivable,D,USD,"
                "11.35,8.97,TRAVEL,TRV1",
                "UK1,2300,2024/003,15032024,PREM,INSJNL,UK1-20240315-0003,2,Premium tax payable,C,USD,"
                "1.22,0.96,TRAVEL,TRV1",
                "UK1,4000,2024/003,15032024,PREM,INSJNL,UK1-20240315-0003,3,Gross written premium,C,USD,"
                "10.13,8.00,TRAVEL,TRV1",
                "UK1,7999,2024/003,15032024,PREM,INSJNL,UK1-20240315-0003,4,FX rounding,C,USD,"
                "0.00,0.01,TRAVEL,TRV1",
            ]
        )
        + "\n"
    )
    # IE1: G 1000, levy 3% = 30, BRK2 20% = 200, reinsurance 10% = 100; account order
    ie = "IE1,{a},2024/003,15032024,PREM,INSJNL,IE1-20240315-0001,{n},{name},{dc},EUR,{x},{x},"
    ie += "LIABILITY,LIAB1"
    assert (
        files["IE1_20240315.csv"]
        == "\n".join(
            [
                HEADER,
                ie.format(a="1100", n=1, name="Premium receivable", dc="D", x="1030.00"),
                ie.format(a="2100", n=2, name="Commission payable", dc="C", x="200.00"),
                ie.format(a="2200", n=3, name="Reinsurance payable", dc="C", x="100.00"),
                ie.format(a="2300", n=4, name="Premium tax payable", dc="C", x="30.00"),
                ie.format(a="4000", n=5, name="Gross written premium", dc="C", x="1000.00"),
                ie.format(a="5100", n=6, name="Commission expense", dc="D", x="200.00"),
                ie.format(a="5200", n=7, name="Reinsurance ceded", dc="D", x="100.00"),
            ]
        )
        + "\n"
    )


def test_export_quotes_line_breaks_and_empty_fields_like_copy_csv(books: Any) -> None:
    # COPY ... (FORMAT csv) quotes a field holding CR or LF, and an empty string ("") so that
    # it differs from NULL. Both reach the file through t1 (product_code).
    books.policy(701, product="", lob="MOTOR")  # UK1, direct, no tax/reins
    books.policy(702, product="A\r\nB", lob="MARINE")
    books.txn(1, 701, "NEW_BUSINESS", "20.00")
    books.txn(2, 702, "NEW_BUSINESS", "10.00")
    books.process()
    row = "UK1,{a},2024/003,15032024,PREM,INSJNL,UK1-20240315-0001,{n},{name},{dc},GBP,{x},{x},{t}"
    # one voucher (PREM, GBP); lines by (account, D/C, t0, t1): MARINE before MOTOR
    assert (
        books.export()["UK1_20240315.csv"]
        == "\n".join(
            [
                HEADER,
                row.format(a="1100", n=1, name="Premium receivable", dc="D", x="10.00", t='MARINE,"A\r\nB"'),
                row.format(a="1100", n=2, name="Premium receivable", dc="D", x="20.00", t='MOTOR,""'),
                row.format(
                    a="4000", n=3, name="Gross written premium", dc="C", x="10.00", t='MARINE,"A\r\nB"'
                ),
                row.format(a="4000", n=4, name="Gross written premium", dc="C", x="20.00", t='MOTOR,""'),
            ]
        )
        + "\n"
    )


def test_export_amounts_have_two_decimals_and_no_grouping(books: Any) -> None:
    # Policy 102 (direct, no tax): 1234567.5 -> "1234567.50", never "1,234,567.50".
    books.txn(1, 102, "NEW_BUSINESS", "1234567.50")
    books.process()
    rows = books.export()["UK1_20240315.csv"].splitlines()[1:]
    assert [r.split(",")[11:13] for r in rows] == [["1234567.50", "1234567.50"], ["1234567.50", "1234567.50"]]


# ---------------------------------------------------------------------------------------------
# Metadata and the legacy JSON defect
# ---------------------------------------------------------------------------------------------


def test_metadata_json_and_the_legacy_defect(books: Any, side_name: str) -> None:
    holders = {
        501: "Plain Name",
        502: 'Anne "Nancy" Quinn',  # a double quote
        503: "Back\\Slash Ltd",  # a backslash
        504: "O'Brien & Sons",  # an apostrophe and an ampersand are fine
        505: "Trailing\\",  # a backslash that would escape the closing quote
    }
    for pid, holder in holders.items():
        books.policy(pid, holder=holder, number=f"POL-{pid}")
    cases = [  # (policy, description, legacy metadata is invalid JSON)
        (501, "plain description", False),
        (502, "plain description", True),
        (503, "plain description", True),
        (504, "café, naïve, ok", False),
        (505, "plain description", True),
        (501, 'says "hello"', True),
        (501, "path C:\\Data", True),
    ]
    refs = [
        books.txn(i, pid, "NEW_BUSINESS", "10.00", description=desc)
        for i, (pid, desc, _) in enumerate(cases, start=1)
    ]
    books.process()
    for ref, (pid, desc, defect) in zip(refs, cases, strict=True):
        assert books.status(ref) == ("PROCESSED", True)  # the defect does not reject the row
        text = books.metadata_text(ref)
        expected = {
            "policy_number": f"POL-{pid}",
            "policyholder": holders[pid],
            "txn_type": "NEW_BUSINESS",
            "description": desc,
        }
        if side_name == "legacy" and defect:
            with pytest.raises(json.JSONDecodeError):
                json.loads(text)
        else:
            assert json.loads(text) == expected
        assert books.journal(ref)["description"] == desc


def test_legacy_backslash_before_an_escape_letter_parses_to_the_wrong_value(
    books: Any, side_name: str
) -> None:
    # "C:\temp" concatenated unescaped reads as JSON "C:<TAB>emp": valid JSON, wrong value.
    # Enhanced builds the object properly; legacy's defect here is silent.
    books.policy(601, holder="Plain Name", number="POL-601")
    ref = books.txn(1, 601, "NEW_BUSINESS", "10.00", description="C:\\temp")
    books.process()
    parsed = json.loads(books.metadata_text(ref))
    tab = "\t"
    expected = f"C:{tab}emp" if side_name == "legacy" else "C:\\temp"
    assert parsed["description"] == expected
