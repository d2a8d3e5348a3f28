"""A run killed with -9 is INCOMPLETE wherever it is shown, and what it left is cleaned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TestDatabase
from tests.harness.runs import config_with, seed_small
from tests.helpers import invoke


def test_a_killed_run_is_incomplete_and_db_clean_drops_its_leftovers(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_small(db, per_day=5)
    config = config_with(tmp_path, candidate="napper")
    argv = [sys.executable, "-m", "harness", "run", "--dsn", db.uri, "--config", str(config.path)]
    argv += ["--dates", "2024-03-01,2024-03-02", "--out", str(tmp_path / "out")]
    process = subprocess.Popen(
        argv, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    assert process.stderr is not None
    for line in process.stderr:  # the first date is recorded; kill it while it naps on the second
        if "2024-03-02 candidate (napper): nap" in line:
            break
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)

    shown = invoke(capsys, "show", "--dsn", db.uri)
    assert shown.code == 1
    assert "INCOMPLETE" in shown.out

    with db.connect() as conn:  # the side's own session ends with its statement
        for _ in range(50):
            if not conn.execute(
                "SELECT 1 FROM pg_stat_activity WHERE usename LIKE 'harness\\_run\\_%' AND datname = current_database()"
            ).fetchone():
                break
            time.sleep(0.2)
    listed = invoke(capsys, "db", "clean", "--dry-run", "--dsn", db.uri)
    assert "found 2 schema(s) and 3 role(s) of runs that are not running" in listed.out
    assert invoke(capsys, "db", "clean", "--dsn", db.uri).code == 0
    with db.connect() as conn:
        left = conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'run\\_%'").fetchone()
    assert left == (0,)
    assert (
        "found 0 schema(s) and 0 role(s)" in invoke(capsys, "db", "clean", "--dry-run", "--dsn", db.uri).out
    )
