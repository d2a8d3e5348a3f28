"""Expected errors: one line on stderr, exit code 2, nothing written."""

from datetime import date

import click
import pytest

from harness.cli.common import DATE
from tests.conftest import TestDatabase
from tests.helpers import invoke


def test_unreachable_server_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "db", "info", "--dsn", "postgresql://nobody@127.0.0.1:1/x")
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("error: cannot connect to postgresql://nobody@127.0.0.1:1/x: ")
    assert "Connection refused" in result.err


def test_debug_adds_the_traceback_after_the_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "--debug", "db", "info", "--dsn", "postgresql://bob:s3cret@127.0.0.1:1/x")
    assert result.code == 2
    first, second, *rest = result.err.splitlines()
    assert first.startswith("error: cannot connect to postgresql://bob:***@127.0.0.1:1/x: ")
    assert second == "Traceback (most recent call last):"
    assert rest[-1].startswith("harness.errors.")
    assert "s3cret" not in result.err


def test_quiet_and_verbose_together_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "-q", "-v", "history")
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: give either --quiet or --verbose, not both (see 'harness --help')\n"


def test_bad_dsn_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "db", "info", "--dsn", "not a dsn")
    assert result.code == 2
    assert result.err.startswith("error: cannot connect to not a dsn: ")
    assert result.err.count("\n") == 1


def test_password_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "db", "info", "--dsn", "postgresql://bob:s3cret@127.0.0.1:1/x")
    assert "s3cret" not in result.err
    assert "postgresql://bob:***@127.0.0.1:1/x" in result.err


@pytest.mark.parametrize(
    "text", ["2024-02-30", "2024-3-1", "2024-03-1", "24-03-01", "20240301", "2024-03-01 ", "\u0662024-03-01"]
)
def test_bad_date(capsys: pytest.CaptureFixture[str], text: str) -> None:
    result = invoke(capsys, "seed", "--from", text, "--to", "2024-03-01")
    assert result.code == 2
    assert result.err == (
        f"error: Invalid value for '--from': {text!r} is not a date; write it as "
        "YYYY-MM-DD, e.g. 2024-03-01 (see 'harness seed --help')\n"
    )


@pytest.mark.parametrize("text", ["2024-3-1", "2024-03-01,2024-3-2", "2024-03-01, 2024-03-2"])
def test_bad_date_in_a_dates_list(capsys: pytest.CaptureFixture[str], text: str) -> None:
    result = invoke(capsys, "run", "--dates", text)
    bad = text.split(",")[-1].strip()
    assert result.code == 2
    assert result.err == (
        f"error: Invalid value for '--dates': {bad!r} is not a date; write it as "
        "YYYY-MM-DD, e.g. 2024-03-01 (see 'harness run --help')\n"
    )


def test_a_date_type_value_is_exactly_yyyy_mm_dd() -> None:
    assert DATE.convert("2024-03-01", None, None) == date(2024, 3, 1)
    assert DATE.convert(date(2024, 2, 29), None, None) == date(2024, 2, 29)
    with pytest.raises(click.BadParameter, match=r"^'2024-3-01' is not a date; write it as YYYY-MM-DD"):
        DATE.convert("2024-3-01", None, None)


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
    assert result.err.splitlines()[-1].startswith("error: unknown side 'legasy': use one of legacy, enhanced")


def test_process_unknown_date(capsys: pytest.CaptureFixture[str], clean_db: TestDatabase) -> None:
    invoke(
        capsys, "seed", "--dsn", clean_db.uri, "--from", "2024-03-01", "--to", "2024-03-01", "--per-day", "10"
    )
    result = invoke(capsys, "process", "--dsn", clean_db.uri, "--side", "legacy", "--date", "2024-04-01")
    assert result.code == 2
    assert result.err == (
        "config: bundled default\n"
        "error: no transactions for 2024-04-01 in schema 'source'; "
        "seed it first (harness seed --from 2024-04-01 --to 2024-04-01) or use --demo\n"
    )


def test_missing_source_table(capsys: pytest.CaptureFixture[str], clean_db: TestDatabase) -> None:
    with clean_db.connect() as conn:
        conn.execute("CREATE SCHEMA source; CREATE TABLE source.ledger (x int)")
    result = invoke(capsys, "process", "--dsn", clean_db.uri, "--side", "legacy", "--date", "2024-03-01")
    assert result.code == 2
    assert result.err.splitlines()[-1].startswith(
        "error: schema 'source' lacks the source table(s) account, accounting_period"
    )
