"""Fixtures of the hostile-sides suite: one seeded source for the package, a run helper.

``seeded``: a database of its own on the session's server, 2024-03-01..02 seeded with 60
transactions a day (seed 7), plus ``source.hostile_canary``, a table no side may write:
an attack that escapes writes a row tagged with its test's tag there. Runs are
independent (each has its own schemas), so the tests share it.

``hostile``: builds a hostile candidate in tmp_path, runs ``harness run`` on it in-process
and returns what the run did (exit code, run.json, wall time). A watchdog ends the run's
database sessions when it outlives its deadline, so a hanging harness fails the test
instead of hanging the suite.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from harness.cli import run as harness_cli
from harness.database import connect
from harness.fingerprint import fingerprint
from harness.source import TABLES
from harness.synthetic.loader import seed
from tests.conftest import drop_run_roles
from tests.harness.hostile.sides import CANARY, Attack, build_side, write_config

FIRST, LAST = date(2024, 3, 1), date(2024, 3, 2)
PER_DAY = 60
ONE_DATE = "2024-03-01"
TWO_DATES = "2024-03-01,2024-03-02"
DEFAULT_DEADLINE = 120.0


@dataclass(frozen=True)
class Seeded:
    """The shared seeded database and who the harness connects to it as."""

    uri: str
    name: str
    admin_uri: str
    harness_user: str

    def source_state(self, tag: str) -> dict[str, Any]:
        """Fingerprints of every source table and the canary rows of ``tag``."""
        with connect(self.uri) as conn:
            prints = {t: fingerprint(conn, "source", t).to_dict() for t in TABLES}
            rows = conn.execute(f"SELECT note FROM {CANARY} WHERE tag = %s", (tag,)).fetchall()
        return {"fingerprints": prints, "canary": [str(r[0]) for r in rows], "spaces": self.spaces()}

    def spaces(self) -> set[str]:
        """The run schemas in the database and the harness's roles on the server."""
        with connect(self.uri) as conn:
            rows = conn.execute(
                "SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname LIKE 'run\\_%' "
                "UNION ALL SELECT 'role ' || rolname FROM pg_roles WHERE rolname LIKE 'harness%' "
                # roles are the server's: on a shared server, only this database's runs' roles
                "AND pg_catalog.shobj_description(oid, 'pg_authid') = 'harness run role, database ' "
                "|| current_database()"
            ).fetchall()
        return {str(r[0]) for r in rows}


@pytest.fixture(scope="package")
def seeded(server_uri: str) -> Iterator[Seeded]:
    name = f"test_hostile_{uuid.uuid4().hex[:12]}"
    with connect(server_uri) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    uri = make_conninfo(server_uri, dbname=name)
    try:
        with connect(uri) as conn:
            seed(conn, "source", FIRST, LAST, PER_DAY, 7)
            conn.execute(f"CREATE TABLE {CANARY} (tag text NOT NULL, note text)")
            row = conn.execute("SELECT current_user").fetchone()
            assert row is not None
        yield Seeded(uri=uri, name=name, admin_uri=server_uri, harness_user=str(row[0]))
    finally:
        with connect(server_uri) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            drop_run_roles(admin, name)


@dataclass
class HostileRun:
    """One ``harness run`` of a hostile candidate, as a user sees it afterwards."""

    code: int
    doc: dict[str, Any] | None
    out: str
    err: str
    seconds: float
    side: Path
    tag: str
    before: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        verdict = self.doc["verdict"] if self.doc else "no run.json"
        return f"exit {self.code} after {self.seconds:.1f} s; verdict {verdict}; stderr: {self.err.strip()}"

    def require_doc(self) -> dict[str, Any]:
        assert self.doc is not None, f"no run.json was written: {self}"
        return self.doc

    def executions(self, label: str) -> list[dict[str, Any]]:
        """``label``'s execution (status, error, ...) of each date, from run.json."""
        return [t[label] for t in self.require_doc()["timings"] if t[label] is not None]

    def comparisons(self, entity: str) -> list[dict[str, Any]]:
        return [c for c in self.require_doc()["comparisons"] if c["entity"] == entity]


class _Watchdog:
    """After ``seconds``, end every session of ``dbname`` (again each second until stopped)."""

    def __init__(self, admin_uri: str, dbname: str, seconds: float) -> None:
        self.admin_uri, self.dbname, self.seconds = admin_uri, dbname, seconds
        self.fired = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="hostile-watchdog", daemon=True)

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _watch(self) -> None:
        if self._stop.wait(self.seconds):
            return
        self.fired.set()
        while not self._stop.is_set():
            try:
                with connect(self.admin_uri) as admin:
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()",
                        (self.dbname,),
                    )
            except Exception:  # the watchdog must never raise in its thread
                pass
            self._stop.wait(1.0)


RunHostile = Callable[..., HostileRun]


@pytest.fixture
def hostile(seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> RunHostile:
    """``hostile(attack, dates=..., args=(...), deadline=s)``: build the side and run it."""
    counter = iter(range(1, 1000))

    def run_hostile(
        attack: Attack,
        *,
        dates: str = ONE_DATE,
        args: tuple[str, ...] = (),
        deadline: float = DEFAULT_DEADLINE,
    ) -> HostileRun:
        n = next(counter)
        tag = f"{tmp_path.name}-{n}-{uuid.uuid4().hex[:8]}"
        side = build_side(tmp_path / f"hostile{n}", attack, tag=tag, harness_user=seeded.harness_user)
        config = write_config(tmp_path / f"harness{n}.toml", side)
        out = tmp_path / f"report{n}"
        argv = ["run", "--dsn", seeded.uri, "--config", str(config), "--dates", dates]
        argv += ["--out", str(out), "--quiet", *args]
        before = seeded.source_state(tag)
        capsys.readouterr()
        started = time.perf_counter()
        with _Watchdog(seeded.admin_uri, seeded.name, deadline) as watchdog:
            try:
                code = harness_cli(argv)
            except Exception as exc:
                if watchdog.fired.is_set():
                    pytest.fail(
                        f"harness run still going after {deadline:g} s; the watchdog ended its "
                        f"sessions and the run raised {type(exc).__name__}: {exc}"
                    )
                raise
        seconds = time.perf_counter() - started
        captured = capsys.readouterr()
        if watchdog.fired.is_set():
            pytest.fail(
                f"harness run still going after {deadline:g} s; the watchdog ended its sessions "
                f"(exit {code}, stderr: {captured.err.strip()})"
            )
        run_json = out / "run.json"
        doc = json.loads(run_json.read_text(encoding="utf-8")) if run_json.is_file() else None
        return HostileRun(code, doc, captured.out, captured.err, seconds, side, tag, before)

    return run_hostile
