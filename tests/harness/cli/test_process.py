"""harness process: one side, one date, straight against the source schema."""

from pathlib import Path

import pytest

from tests.conftest import TestDatabase
from tests.helpers import invoke


@pytest.fixture
def seeded(capsys: pytest.CaptureFixture[str], clean_db: TestDatabase) -> TestDatabase:
    """2024-03-01 with 400 transactions (seed 7): some rejected by the edge cases."""
    dates = ("--from", "2024-03-01", "--to", "2024-03-01")
    invoke(capsys, "seed", "--dsn", clean_db.uri, *dates, "--per-day", "400")
    return clean_db


@pytest.mark.parametrize("side", ["legacy", "enhanced"], ids=["side=legacy", "side=enhanced"])
def test_process_prints_counts_that_match_the_source(
    capsys: pytest.CaptureFixture[str], seeded: TestDatabase, tmp_path: Path, side: str
) -> None:
    args = ("process", "--dsn", seeded.uri, "--side", side, "--date", "2024-03-01")
    result = invoke(capsys, *args, "--export", str(tmp_path))
    assert result.code == 0, result.err
    with seeded.connect() as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'PROCESSED'), count(*) FILTER (WHERE status = 'ERROR') "
            "FROM source.insurance_transaction WHERE business_date = '2024-03-01'"
        ).fetchone()
    assert row is not None
    processed, rejected = row
    assert processed + rejected == 400
    assert rejected > 0
    lines = result.out.splitlines()
    assert (
        lines[0]
        == f"{side} 2024-03-01: 400 transactions, {processed} processed, {rejected} rejected, 0 pending"
    )
    assert lines[1].startswith(f"  journals {processed}, gl_entries ")
    assert f"journal_errors {rejected}, transaction_status 400" in lines[1]
    exported = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert exported == ["IE1_20240301.csv", "UK1_20240301.csv", "US1_20240301.csv"]
    assert [line for line in lines if line.startswith("wrote ")] == [
        f"wrote {tmp_path / n}" for n in exported
    ]
    header = (tmp_path / "UK1_20240301.csv").read_text().splitlines()[0]
    assert header.startswith("Ledger,AccountCode,AccountingPeriod,TransactionDate,")

    again = invoke(capsys, *args)
    assert again.code == 0
    assert again.out.splitlines()[:2] == lines[:2]


def test_dsn_from_environment(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_DSN", "postgresql://nobody@127.0.0.1:1/x")
    result = invoke(capsys, "db", "info")
    assert result.code == 2
    assert result.err.startswith("error: cannot connect to postgresql://nobody@127.0.0.1:1/x: ")
    assert result.err.count("\n") == 1


def test_a_batch_goes_in_date_order_and_refuses_both_forms(
    capsys: pytest.CaptureFixture[str], clean_db: TestDatabase
) -> None:
    invoke(
        capsys, "seed", "--dsn", clean_db.uri, "--from", "2024-03-01", "--to", "2024-03-02", "--per-day", "10"
    )
    args = ("process", "--dsn", clean_db.uri, "--side", "legacy")
    found = invoke(capsys, *args, "--from", "2024-03-01", "--to", "2024-03-02")
    assert found.code == 0, found.err
    heads = [line.split(":")[0] for line in found.out.splitlines() if not line.startswith(" ")]
    assert heads == ["legacy 2024-03-01", "legacy 2024-03-02"]
    both = invoke(capsys, *args, "--date", "2024-03-01", "--from", "2024-03-01", "--to", "2024-03-02")
    assert (both.code, both.err.strip().splitlines()[-1]) == (
        2,
        "error: give --date, or --from and --to, not both",
    )
    neither = invoke(capsys, *args)
    assert (neither.code, neither.err.strip().splitlines()[-1]) == (
        2,
        "error: give the date: --date YYYY-MM-DD, or --from A --to B",
    )
