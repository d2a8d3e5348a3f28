from typing import Any

import psycopg

from harness.source import TABLES, install_source


def test_install_source_creates_tables_and_reference_data(
    clean_conn: psycopg.Connection[tuple[Any, ...]],
) -> None:
    install_source(clean_conn, "source")
    rows = clean_conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'source'"
    ).fetchall()
    assert {r[0] for r in rows} == set(TABLES)
    ledgers = clean_conn.execute("SELECT ledger_code, base_currency FROM source.ledger ORDER BY 1").fetchall()
    assert ledgers == [("IE1", "EUR"), ("UK1", "GBP"), ("US1", "USD")]
    counts = clean_conn.execute(
        "SELECT txn_type, count(*) FROM source.posting_rule GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert counts == [
        ("CANCELLATION", 7),
        ("CLAIM_PAYMENT", 4),
        ("CLAIM_RECOVERY", 2),
        ("ENDORSEMENT", 7),
        ("NEW_BUSINESS", 7),
        ("RENEWAL", 7),
    ]
