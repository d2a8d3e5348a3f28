"""The seeded book carries the edge cases downstream comparisons depend on."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
import pytest

from harness.synthetic.loader import seed
from tests.conftest import TestDatabase

Conn = psycopg.Connection[tuple[Any, ...]]


@pytest.fixture(scope="module")
def seeded(module_db: TestDatabase) -> Iterator[Conn]:
    """2024-02-28 to 2024-03-02 (a month end), 2000 transactions a day, seed 7; seeded once
    for the module, as the tests only read it."""
    with module_db.connect() as conn:
        seed(conn, "source", date(2024, 2, 28), date(2024, 3, 2), 2000, 7)
        conn.execute("SET search_path = source")
        yield conn


def scalar(conn: Conn, query: str) -> Any:
    row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def test_reference_shape(seeded: Conn) -> None:
    assert (
        scalar(
            seeded,
            "SELECT string_agg(base_currency, ',' ORDER BY base_currency) "
            "FROM ledger WHERE ledger_code IN ('UK1','IE1','US1')",
        )
        == "EUR,GBP,USD"
    )
    currencies = scalar(seeded, "SELECT array_agg(DISTINCT currency) FROM insurance_transaction")
    assert {"GBP", "EUR", "USD", "JPY", "CHF"} <= set(currencies)
    assert scalar(seeded, "SELECT count(DISTINCT txn_type) FROM insurance_transaction") == 7
    assert (
        scalar(
            seeded,
            "SELECT bool_and(gross_amount <= 0) FROM insurance_transaction WHERE txn_type = 'CANCELLATION'",
        )
        is True
    )
    assert (
        scalar(
            seeded,
            "SELECT count(*) FILTER (WHERE broker_id IS NULL) > 0 "
            "AND count(*) FILTER (WHERE broker_id IS NOT NULL) > 0 FROM policy",
        )
        is True
    )
    assert scalar(seeded, "SELECT count(DISTINCT reinsurance_share) FROM policy") >= 3
    assert scalar(seeded, "SELECT count(*) FROM tax_rate WHERE valid_to IS NOT NULL") >= 2


def test_periods_cover_the_month_end(seeded: Conn) -> None:
    periods = seeded.execute(
        "SELECT period, status FROM accounting_period WHERE ledger_code = 'UK1' ORDER BY period"
    ).fetchall()
    assert periods == [("2024/001", "CLOSED"), ("2024/002", "OPEN"), ("2024/003", "OPEN")]


def test_fx_rates_every_weekday(seeded: Conn) -> None:
    days = scalar(
        seeded,
        "SELECT count(DISTINCT rate_date) FROM fx_rate "
        "WHERE from_currency = 'JPY' AND to_currency = 'GBP' "
        "AND rate_date BETWEEN '2024-02-26' AND '2024-03-01'",
    )
    assert days == 5


@pytest.mark.parametrize(
    ("case", "query"),
    [
        (
            "quote in name",
            "SELECT count(*) FROM insurance_transaction t JOIN policy p USING (policy_id) "
            "WHERE p.policyholder_name LIKE '%\"%'",
        ),
        (
            "backslash in name",
            "SELECT count(*) FROM insurance_transaction t JOIN policy p USING (policy_id) "
            "WHERE strpos(p.policyholder_name, E'\\\\') > 0",
        ),
        (
            "non-ASCII",
            "SELECT count(*) FROM insurance_transaction t JOIN policy p USING (policy_id) "
            "WHERE p.policyholder_name !~ '^[ -~]*$'",
        ),
        ("odd description", "SELECT count(*) FROM insurance_transaction WHERE description ~ '[\"\\\\]'"),
        ("stale currency", "SELECT count(*) FROM insurance_transaction WHERE currency = 'SEK'"),
        (
            "closed period",
            "SELECT count(*) FROM insurance_transaction t JOIN policy p USING (policy_id) "
            "WHERE p.ledger_code = 'RO1'",
        ),
        ("unknown type", "SELECT count(*) FROM insurance_transaction WHERE txn_type = 'ADJUSTMENT'"),
        (
            "missing policy",
            "SELECT count(*) FROM insurance_transaction t "
            "WHERE NOT EXISTS (SELECT 1 FROM policy p WHERE p.policy_id = t.policy_id)",
        ),
        ("zero amount", "SELECT count(*) FROM insurance_transaction WHERE gross_amount = 0"),
        ("one cent", "SELECT count(*) FROM insurance_transaction WHERE abs(gross_amount) = 0.01"),
        ("a billion", "SELECT count(*) FROM insurance_transaction WHERE abs(gross_amount) = 1000000000"),
    ],
)
def test_edge_cases_at_low_steady_rates(seeded: Conn, case: str, query: str) -> None:
    count = scalar(seeded, query)
    assert 1 <= count <= 0.05 * 8000, f"{case}: {count} of 8000"
