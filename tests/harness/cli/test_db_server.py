"""harness db start / status / stop keep the embedded server up for people, and let it go."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.server_hold import HANDLES, prune_dead_handles


def harness(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HARNESS_DSN"}
    env["HARNESS_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "harness", *argv], capture_output=True, text=True, env=env, timeout=120
    )


def test_start_status_psql_stop(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert "embedded server: down" in harness(home, "db", "status").stdout
    try:
        assert harness(home, "db", "start").returncode == 0
        assert "embedded server: up, kept up by 'harness db start'" in harness(home, "db", "status").stdout
        info = harness(home, "db", "info").stdout
        assert "note:" not in info
        psql = next(line.split(None, 1)[1] for line in info.splitlines() if line.startswith("psql:"))
        shown = subprocess.run(
            psql + " -Atc 'SELECT 41 + 1'", shell=True, capture_output=True, text=True, timeout=60
        )
        assert shown.stdout.strip() == "42", shown.stderr
    finally:
        stopped = harness(home, "db", "stop")
    assert "released" in stopped.stdout
    assert "embedded server: down" in harness(home, "db", "status").stdout


def test_a_killed_commands_pid_no_longer_keeps_the_server(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (pgdata / HANDLES).write_text(f"[{os.getpid()}, {dead.pid}]")
    assert prune_dead_handles(pgdata) == [dead.pid]
    assert (pgdata / HANDLES).read_text() == f"[{os.getpid()}]"


def test_db_commands_for_the_embedded_server_refuse_a_dsn(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = harness(tmp_path, "db", "status")
    assert result.returncode == 0
    env_result = subprocess.run(
        [sys.executable, "-m", "harness", "db", "stop"],
        capture_output=True,
        text=True,
        env={**os.environ, "HARNESS_DSN": "postgresql://nobody@localhost/x", "HARNESS_HOME": str(tmp_path)},
        timeout=60,
    )
    assert env_result.returncode == 2
    assert "manages the embedded server" in env_result.stderr
