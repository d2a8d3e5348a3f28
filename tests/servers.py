"""A second, real PostgreSQL server for the tests of sides on two servers: Debian's 15.

The suite's main server is the embedded PostgreSQL 18; this one is started from the
operating system's PostgreSQL 15 binaries (``apt-get install postgresql-15``; .ci/run
installs them) in a temporary directory, as the ``postgres`` system user when the tests
run as root (PostgreSQL refuses to run as root), trusting local logins like the embedded one.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import psycopg

PG15_BIN = Path(os.environ.get("HARNESS_PG15_BIN", "/usr/lib/postgresql/15/bin"))
INSTALL_HINT = "install it (Debian: apt-get install postgresql-15) or set HARNESS_PG15_BIN"


@dataclass
class Server:
    """A running PostgreSQL 15 server of the tests' own."""

    base: Path
    port: int
    process: subprocess.Popen[bytes]
    log: BinaryIO

    def uri(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_pg15() -> Server:
    """A fresh PostgreSQL 15 cluster, started and accepting connections."""
    if not (PG15_BIN / "postgres").exists():
        raise RuntimeError(f"PostgreSQL 15 is not installed at {PG15_BIN}: {INSTALL_HINT}")
    base = Path(tempfile.mkdtemp(prefix="harness-pg15-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data = base / "data"
    initdb = [str(PG15_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
    subprocess.run([*_as_postgres(), *initdb, "--locale=C.UTF-8"], check=True, capture_output=True)
    port = _free_port()
    settings = ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=60"]
    command = [str(PG15_BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(base), *settings]
    log = open(base / "log", "wb")  # noqa: SIM115 (the server writes it for its whole life)
    process = subprocess.Popen([*_as_postgres(), *command], stdout=log, stderr=subprocess.STDOUT)
    server = Server(base, port, process, log)
    _wait_ready(server)
    return server


def _wait_ready(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(server.uri(), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if server.process.poll() is not None or time.monotonic() > deadline:
                log = (server.base / "log").read_text(errors="replace")[-2000:]
                server.remove()
                raise RuntimeError(f"PostgreSQL 15 did not start: {log}") from None
            time.sleep(0.1)
