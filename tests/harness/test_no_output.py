"""A date whose input had rows while neither side wrote anything is NO_OUTPUT, never a match."""

from __future__ import annotations

from pathlib import Path

import pytest
from psycopg import sql

from harness.config import load_config
from harness.fingerprint import fingerprint
from harness.isolation import drop_space
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small
from tests.helpers import invoke


def test_a_date_already_processed_in_the_source_is_no_output_not_ready(
    db: TestDatabase, tmp_path: Path
) -> None:
    seed_small(db, per_day=10)
    with db.connect() as conn:  # as production would have left it: nothing NEW to process
        conn.execute("UPDATE source.insurance_transaction SET status = 'PROCESSED'")
    # without the bundled replay rule the side copies keep the processed status
    _, doc = run(db, config_with(tmp_path, replay=False), tmp_path, dates=DATES[:1])
    verdicts = {c["entity"]: c["verdict"] for c in doc["comparisons"]}
    derived = ("journals", "gl_entries", "vouchers", "voucher_lines", "export")
    assert {e: verdicts[e] for e in derived} == dict.fromkeys(derived, "NO_OUTPUT")
    assert doc["verdict"]["label"] == "NOT READY"
    assert (
        "2024-03-01: NO_OUTPUT: both sides processed 0 of 10 input row(s): nothing to compare"
        in (doc["verdict"]["reasons"])
    )
    assert doc["verdict"]["counts"]["NO_OUTPUT"] == len(derived)


def test_a_date_production_already_processed_is_replayed_as_it_was_before(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_small(db, per_day=10)
    processed = invoke(capsys, "process", "--side", "legacy", "--date", "2024-03-01", "--dsn", db.uri)
    assert processed.code == 0, processed.err
    with db.connect() as conn:
        before = fingerprint(conn, "source", "insurance_transaction")
        assert conn.execute(
            "SELECT count(*) FROM source.insurance_transaction WHERE status = 'NEW' "
            "AND business_date = '2024-03-01'"
        ).fetchone() == (0,)
    _, doc = run(db, config_with(tmp_path), tmp_path, dates=DATES[:1])
    assert doc["verdict"]["label"] == "READY", doc["verdict"]["reasons"]
    journals = next(c for c in doc["comparisons"] if c["entity"] == "journals")
    assert journals["counts"]["control_rows"] > 0
    with db.connect() as conn:
        assert fingerprint(conn, "source", "insurance_transaction") == before


def test_processing_a_date_twice_warns_and_says_how_to_replay_it(
    db: TestDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_small(db, per_day=5)
    argv = ("process", "--side", "legacy", "--date", "2024-03-01", "--dsn", db.uri)
    assert "already processed" not in invoke(capsys, *argv).err
    again = invoke(capsys, *argv)
    assert again.code == 0
    assert "warning: 5 of 5 transactions of 2024-03-01 were already processed" in again.err
    assert "harness run --dates 2024-03-01" in again.err


def test_a_replay_can_start_mid_month_with_opening_books(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Production (legacy) processed 03-01; the run replays 03-02..03 with 03-01's books as opening state."""
    seed_small(db, per_day=10)
    assert invoke(capsys, "process", "--side", "legacy", "--date", "2024-03-01", "--dsn", db.uri).code == 0
    opening = (
        '\n[[source.opening]]\ntable = "voucher"\nfrom_schema = "legacy"\ndate_column = "business_date"\n'
    )
    text = config_with(tmp_path).text.replace("\n[control]", opening + "\n[control]", 1)
    (tmp_path / "harness.toml").write_text(text, encoding="utf-8")
    state, doc = run(db, load_config(tmp_path / "harness.toml"), tmp_path, dates=DATES[1:], keep_schemas=True)
    assert doc["verdict"]["label"] == "READY", doc["verdict"]["reasons"]
    assert "opening legacy.voucher" in doc["provenance"]["input_fingerprints"]
    with db.connect() as conn:
        produced = conn.execute(
            "SELECT count(*) FROM legacy.voucher WHERE business_date = '2024-03-01'"
        ).fetchone()
        for space in state.spaces:  # the opening rows are in both sides' books, next to the run's own
            found = conn.execute(
                sql.SQL("SELECT count(*) FROM {} WHERE business_date = '2024-03-01'").format(
                    sql.Identifier(space.schema, "voucher")
                )
            ).fetchone()
            assert found == produced and produced[0] > 0
            drop_space(conn, space)
