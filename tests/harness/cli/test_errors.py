"""Expected errors: one line on stderr, exit code 2, nothing written."""

import pytest

from tests.conftest import TestDatabase
from tests.helpers import invoke


def test_unreachable_server_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "db", "info", "--dsn", "postgresql://nobody@127.0.0.1:1/x")
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("error: cannot connect to postgresql://nobody@127.0.0.1:1/x: ")
    assert "Connection refused" in result.err


def test_bad_dsn_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "db", "info", "--dsn", "not a dsn")
    assert result.code == 2
    assert result.err.startswith("error: cannot connect to not a dsn: ")
    assert result.err.count("\n") == 1


def test_password_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "db", "info", "--dsn", "postgresql://bob:s3cret@127.0.0.1:1/x")
    assert "s3cret" not in result.err
    assert "postgresql://bob:***@127.0.0.1:1/x" in result.err


def test_bad_date(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "seed", "--from", "2024-02-30", "--to", "2024-03-01")
    assert result.code == 2
    assert result.err == (
        "error: Invalid value for '--from': '2024-02-30' is not a date; write it as "
        "YYYY-MM-DD, e.g. 2024-03-01 (see 'harness seed --help')\n"
    )


def test_reversed_range(capsys: pytest.CaptureFixture[str], module_db: TestDatabase) -> None:
    result = invoke(capsys, "seed", "--dsn", module_db.uri, "--from", "2024-03-05", "--to", "2024-03-01")
    assert result.code == 2
    assert result.err == "error: --to 2024-03-01 is before --from 2024-03-05; give the earlier date first\n"


def test_unknown_option_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "seed", "--form", "2024-03-01")
    assert result.code == 2
    assert result.err == (
        "error: No such option '--form'. (Did you mean one of: '--from', '--to'?) "
        "(see 'harness seed --help')\n"
    )


def test_unknown_side(capsys: pytest.CaptureFixture[str], module_db: TestDatabase) -> None:
    result = invoke(capsys, "process", "--dsn", module_db.uri, "--side", "legasy", "--date", "2024-03-01")
    assert result.code == 2
    assert result.err.startswith("error: unknown side 'legasy': use one of legacy, enhanced")


def test_process_unknown_date(capsys: pytest.CaptureFixture[str], clean_db: TestDatabase) -> None:
    invoke(
        capsys, "seed", "--dsn", clean_db.uri, "--from", "2024-03-01", "--to", "2024-03-01", "--per-day", "10"
    )
    result = invoke(capsys, "process", "--dsn", clean_db.uri, "--side", "legacy", "--date", "2024-04-01")
    assert result.code == 2
    assert result.err == (
        "error: no transactions for 2024-04-01 in schema 'source'; "
        "seed it first: harness seed --from 2024-04-01 --to 2024-04-01\n"
    )


def test_missing_source_table(capsys: pytest.CaptureFixture[str], clean_db: TestDatabase) -> None:
    with clean_db.connect() as conn:
        conn.execute("CREATE SCHEMA source; CREATE TABLE source.ledger (x int)")
    result = invoke(capsys, "process", "--dsn", clean_db.uri, "--side", "legacy", "--date", "2024-03-01")
    assert result.code == 2
    assert result.err.startswith("error: schema 'source' lacks source table(s) account, accounting_period")
