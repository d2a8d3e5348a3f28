"""Keeping the embedded server up between commands, for people: ``harness db start/stop/status``.

The embedded server stops when the last process using it exits; the wheel counts those
processes in ``pgdata/.handle_pids.json``. ``harness db start`` leaves a small holder
process running, so the server stays up until ``harness db stop`` ends it. A process that
was killed leaves its pid in that file, which would keep the server from ever stopping:
every start first drops the pids of processes that no longer exist.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HANDLES = ".handle_pids.json"
HOLDER = "server-holder.pid"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prune_dead_handles(pgdata: Path) -> list[int]:
    """Drop the pids of processes that died holding the server; returns the ones dropped."""
    path = pgdata / HANDLES
    try:
        pids = [int(p) for p in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return []
    dead = [p for p in pids if not alive(p)]
    if dead:
        path.write_text(json.dumps([p for p in pids if p not in dead]))
    return dead


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    holder: int | None  # pid of the 'harness db start' process keeping it up
    data_dir: Path


def status(home: Path) -> ServerStatus:
    pgdata = home / "pgdata"
    postmaster = pgdata / "postmaster.pid"
    running = False
    if postmaster.is_file():
        first = postmaster.read_text().splitlines()[:1]
        running = bool(first) and first[0].strip().isdigit() and alive(int(first[0]))
    return ServerStatus(running, holder_pid(home), pgdata)


def holder_pid(home: Path) -> int | None:
    try:
        pid = int((home / HOLDER).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def start_holder(home: Path, timeout: float = 60.0) -> int:
    """Start the holder process (if none runs) and wait until the server is up."""
    running = holder_pid(home)
    if running:
        return running
    child = subprocess.Popen(
        [sys.executable, "-m", "harness", "db", "hold"],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HARNESS_HOME": str(home)},
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if holder_pid(home) == child.pid and status(home).running:
            return child.pid
        if child.poll() is not None:
            break
        time.sleep(0.2)
    raise OSError(f"the embedded server did not start within {timeout:g} s; see {home / 'pgdata' / 'log'}")


def hold(home: Path) -> None:
    """In the holder process: note our pid, then wait until told to stop."""
    (home / HOLDER).write_text(str(os.getpid()))
    try:
        while True:
            signal.pause()
    finally:
        (home / HOLDER).unlink(missing_ok=True)


def stop_holder(home: Path, timeout: float = 60.0) -> bool:
    """End the holder; the server stops once no other command uses it. False: none ran."""
    pid = holder_pid(home)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return True
