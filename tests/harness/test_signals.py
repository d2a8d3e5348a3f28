"""SIGTERM and SIGHUP are handled like Ctrl-C: recorded interrupted, resumable, nothing left behind."""

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


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_terminated_run_is_recorded_interrupted_and_cleans_up(
    db: TestDatabase, tmp_path: Path, signum: int, code: int
) -> None:
    seed_small(db, per_day=5)
    config = config_with(tmp_path, candidate="sleeper")
    argv = [sys.executable, "-m", "harness", "run", "--dsn", db.uri, "--config", str(config.path)]
    argv += ["--dates", "2024-03-01", "--out", str(tmp_path / "out")]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    for line in process.stderr:  # wait until the candidate sleeps in its phase
        if "candidate (sleeper): sleep" in line:
            break
    time.sleep(0.5)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    with db.connect() as conn:
        run_id, status = conn.execute(
            "SELECT run_id, body::jsonb->>'status' FROM harness.entry WHERE kind = 'run_finished'"
        ).fetchone()
        leftovers = conn.execute(  # roles are the server's: other tests' runs may have theirs
            "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s), "
            "(SELECT count(*) FROM pg_roles WHERE rolname LIKE %s)",
            (f"run_{run_id}%", f"harness_run_{run_id}%"),
        ).fetchone()
    assert status == "interrupted"
    assert leftovers == (0, 0)
