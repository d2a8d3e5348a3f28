"""kill -9 at each step of a cutover date leaves the books as before the date, or the date
fully published by one side; a rerun then finishes the date."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TestDatabase
from tests.harness.cutover.books import count, cutover, seed_month_end, write_config
from tests.harness.runs import variant

DAY = "2024-03-30"
SLEEP = "SELECT pg_sleep(60)"
# The published side's statement before its GL lines are published into the books: by then
# the date's journals are inserted in the publishing transaction, not committed.
SLEEP_IN_PUBLISH = (
    "SELECT CASE WHEN current_schema() = 'enhanced_napper' THEN pg_sleep(60) END, ensure_partitions(m, 0) "
    "FROM (SELECT DISTINCT date_trunc('month', business_date)::date AS m FROM harness_opening) AS months"
)


def napper(tmp_path: Path, extra_phase: str, gl_prepare: str | None = None) -> str:
    folder = Path(variant(tmp_path, "enhanced", extra_phase, "napper"))
    if gl_prepare:
        manifest = folder / "manifest.toml"
        text = manifest.read_text(encoding="utf-8")
        start = text.index("gl_entries = ")
        manifest.write_text(text[:start] + f'gl_entries = """{gl_prepare}"""\n', encoding="utf-8")
    return str(folder)


def kill_while_sleeping(db: TestDatabase, config: Path) -> None:
    """Start the cutover, wait until a session of it sleeps, kill -9 the harness, end that session."""
    argv = [sys.executable, "-m", "harness", "cutover", "--date", DAY, "--config", str(config)]
    argv += ["--dsn", db.uri, "--quiet", "--out", str(config.parent / "reports")]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sleeping = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%%pg_sleep%%' "
        "AND pid <> pg_backend_pid() AND wait_event = 'PgSleep'"
    )
    deadline = time.monotonic() + 120
    with db.connect() as conn:
        while (row := conn.execute(sleeping.encode()).fetchone()) is None:
            assert process.poll() is None, "the cutover ended before it slept"
            assert time.monotonic() < deadline, "the cutover never slept"
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        conn.execute("SELECT pg_terminate_backend(%s)", (row[0],))  # as the server would, later


def assert_books_as_before(db: TestDatabase, books: str) -> None:
    assert count(db, f"SELECT count(*) FROM {books}.sun_journal") == 0
    assert count(db, f"SELECT count(*) FROM {books}.gl_entries") == 0
    assert count(db, "SELECT count(*) FROM source.insurance_transaction WHERE status <> 'NEW'") == 0
    assert count(db, "SELECT count(*) FROM harness.entry WHERE kind = 'cutover'") == 0


def test_kill_9_while_the_shadow_processes_leaves_the_books_as_before(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_month_end(db)
    (tmp_path / "rerun").mkdir()
    config = write_config(tmp_path, control=variant(tmp_path, "legacy", SLEEP, "napper"))
    kill_while_sleeping(db, config)
    assert_books_as_before(db, "enhanced")
    again = cutover(capsys, db, write_config(tmp_path / "rerun"), "--date", DAY)
    assert again.code == 0, again.err


@pytest.mark.parametrize(
    ("step", "extra_phase", "gl_prepare"),
    [
        ("while the primary processes", SLEEP, None),
        ("inside the publishing transaction", "SELECT 1", SLEEP_IN_PUBLISH),
    ],
)
def test_kill_9_leaves_the_books_as_before_and_a_rerun_publishes(
    db: TestDatabase,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    step: str,
    extra_phase: str,
    gl_prepare: str | None,
) -> None:
    seed_month_end(db)
    config = write_config(tmp_path, candidate=napper(tmp_path, extra_phase, gl_prepare))
    kill_while_sleeping(db, config)
    assert_books_as_before(db, "enhanced_napper")
    (tmp_path / "rerun").mkdir()
    rerun = write_config(tmp_path / "rerun", candidate="enhanced", cutover='books_schema = "enhanced_napper"')
    found = cutover(capsys, db, rerun, "--date", DAY)
    assert found.code == 0, found.err
    assert found.out.splitlines()[0] == f"{DAY}: CLEAN, published enhanced's books (candidate)"
    assert count(db, "SELECT count(*) FROM enhanced_napper.sun_journal") == 20 - count(
        db, "SELECT count(*) FROM enhanced_napper.journal_error"
    )
    assert count(db, "SELECT count(*) FROM harness.entry WHERE kind = 'cutover'") == 1


def test_exports_that_cannot_be_written_after_the_commit_are_written_by_a_rerun(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_month_end(db)
    config = write_config(tmp_path)
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("", encoding="utf-8")
    found = cutover(capsys, db, config, "--date", DAY, "--export", str(blocked))
    assert found.code == 2
    assert found.err.startswith(
        f"config: {config} (--config)\n"
        f"error: {DAY} is published, but writing its export files to {blocked} failed: "
    )
    assert found.err.rstrip().endswith(f"write them with: harness cutover --date {DAY} --export DIR")
    again = cutover(capsys, db, config, "--date", DAY, "--export", str(tmp_path / "sun"))
    assert again.code == 0
    assert len(list((tmp_path / "sun").iterdir())) == 3


def test_books_changed_while_the_date_ran_are_not_overwritten(db: TestDatabase, tmp_path: Path) -> None:
    """The run copied the books before a change by hand; publishing from that copy would
    silently revert it, so the date is refused and can be run again."""
    seed_month_end(db)
    config = write_config(tmp_path, candidate=napper(tmp_path, "SELECT pg_sleep(3)"))
    argv = [
        sys.executable,
        "-m",
        "harness",
        "cutover",
        "--date",
        DAY,
        "--config",
        str(config),
        "--dsn",
        db.uri,
    ]
    process = subprocess.Popen([*argv, "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with db.connect() as conn:
        while (
            conn.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'"
            ).fetchone()
            is None
        ):
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
        conn.execute(
            "INSERT INTO enhanced_napper.journal_error (txn_reference, business_date, error_code, message) "
            "VALUES ('TX-BY-HAND', '2024-03-29', 'MANUAL', 'a fix by hand')"
        )
    _, err = process.communicate(timeout=120)
    assert process.returncode == 2, err
    assert "enhanced_napper.journal_error changed since the run of 2024-03-30 copied it" in err
    assert count(db, "SELECT count(*) FROM enhanced_napper.sun_journal") == 0
