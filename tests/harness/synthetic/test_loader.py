"""harness seed: deterministic, idempotent per date, and loud about foreign data."""

from datetime import date
from typing import Any

import psycopg
import pytest

from harness.errors import SourceError
from harness.synthetic.loader import seed
from tests.conftest import TestDatabase
from tests.helpers import invoke

Conn = psycopg.Connection[tuple[Any, ...]]


def test_same_arguments_give_identical_rows(clean_db: TestDatabase) -> None:
    with clean_db.connect() as conn:
        first = seed(conn, "source", date(2024, 3, 1), date(2024, 3, 2), 300, 7)
        seed(conn, "other", date(2024, 3, 1), date(2024, 3, 2), 300, 7)
        diff = conn.execute(
            "SELECT count(*) FROM (SELECT * FROM source.insurance_transaction "
            "EXCEPT SELECT * FROM other.insurance_transaction) d"
        ).fetchone()
        third = seed(conn, "third", date(2024, 3, 1), date(2024, 3, 2), 300, 8)
    assert diff == (0,)
    assert first.fingerprints[date(2024, 3, 1)].rows == 300
    assert first.fingerprints != third.fingerprints


def test_rerun_skips_dates_already_seeded(clean_conn: Conn) -> None:
    first = seed(clean_conn, "source", date(2024, 3, 1), date(2024, 3, 2), 100, 7)
    again = seed(clean_conn, "source", date(2024, 3, 1), date(2024, 3, 3), 100, 7)
    assert again.skipped == (date(2024, 3, 1), date(2024, 3, 2))
    assert again.loaded == (date(2024, 3, 3),)
    assert again.fingerprints[date(2024, 3, 1)] == first.fingerprints[date(2024, 3, 1)]
    assert clean_conn.execute("SELECT count(*) FROM source.insurance_transaction").fetchone() == (300,)


def test_other_per_day_on_a_seeded_date_is_an_error_and_writes_nothing(clean_conn: Conn) -> None:
    seed(clean_conn, "source", date(2024, 3, 1), date(2024, 3, 1), 100, 7)
    with pytest.raises(SourceError, match=r"2024-03-01 was already seeded with --seed 7 --per-day 100"):
        seed(clean_conn, "source", date(2024, 3, 1), date(2024, 3, 2), 50, 7)
    assert clean_conn.execute("SELECT count(*) FROM source.insurance_transaction").fetchone() == (100,)


def test_transactions_not_written_by_seed_are_an_error(clean_conn: Conn) -> None:
    seed(clean_conn, "source", date(2024, 3, 1), date(2024, 3, 1), 10, 7)
    clean_conn.execute(
        "INSERT INTO source.insurance_transaction (txn_id, txn_reference, business_date, policy_id, "
        "txn_type, currency, gross_amount, description) "
        "VALUES (1, 'HAND-1', '2024-03-09', 1, 'RENEWAL', 'GBP', 10, 'typed in')"
    )
    with pytest.raises(SourceError, match="2024-03-09 already holds transactions that harness seed did not"):
        seed(clean_conn, "source", date(2024, 3, 8), date(2024, 3, 9), 10, 7)


def test_cli_rerun_reports_skipped_dates(capsys: pytest.CaptureFixture[str], clean_db: TestDatabase) -> None:
    args = ("seed", "--dsn", clean_db.uri, "--from", "2024-03-01", "--to", "2024-03-02", "--per-day", "20")
    invoke(capsys, *args)
    result = invoke(capsys, *args)
    assert result.code == 0
    assert result.out.splitlines()[0].startswith("2024-03-01: already seeded (20 rows, ")
    assert "seeded 0 date(s), 0 transactions into schema 'source'" in result.out
