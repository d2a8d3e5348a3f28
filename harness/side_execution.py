"""Executing one side of a run, sealed: install, phases, export, each in its own session.

Every statement of a side runs on a connection logged in as the side's own role (with
role isolation), opened fresh for the install and for each date, so nothing a side sets
in its session survives into the next date or reaches the other side, and there is no
more privileged role to return to. Around every phase the session's pinned settings,
search_path and role are read back (``SessionCheck``); time limits are enforced from
outside (harness.watchdog). A side that raises, changes a setting, times out or writes a
malformed export is FAILED for that date, with the reason and SQLSTATE recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from comparisons import ExportFormatError
from comparisons.export import check_export_files
from harness import opening
from harness.database import SESSION_SETTINGS, Connection, Database, first_line
from harness.errors import DatabaseUnavailable, SideError, SideFailed
from harness.execution import (
    Hooks,
    PhaseTiming,
    ProcessResult,
    export_files,
    process_date,
    run_install_files,
    set_statement_timeout,
)
from harness.isolation import SideSpace
from harness.ledger.entries import ExecutionStatus, SideExecution
from harness.source import set_search_path
from harness.watchdog import Watchdog

QUERY_CANCELED = "57014"
# SQLSTATE classes of the environment: insufficient resources (disk full), system and
# operator intervention other than a cancel (the server shutting down).
ENVIRONMENT_CLASSES = {"53", "58", "XX"}
# Read back around every phase; statement_timeout is the harness's per-transaction limit.
CHECKED_SETTINGS = (*SESSION_SETTINGS, "search_path")
SESSION_STATE = """
SELECT current_user, session_user,
       pg_catalog.array_agg(pg_catalog.current_setting(name) ORDER BY n)
FROM pg_catalog.unnest(%s::pg_catalog.text[]) WITH ORDINALITY AS s (name, n)
"""


@dataclass(frozen=True)
class Execution:
    """One side's processing of one date, as recorded in the ledger."""

    space: SideSpace
    business_date: date
    result: ProcessResult | None
    exports: tuple[Path, ...]
    error: str | None
    seconds: float
    sqlstate: str | None = None
    session: dict[str, Any] = field(default_factory=dict)
    # the rolled-back timing repeats before this execution (harness run --repeat), in order
    repeats: tuple[ProcessResult, ...] = ()
    plans: dict[str, Any] | None = None  # harness.plans, of a rolled-back execution before it

    @property
    def failed(self) -> bool:
        return self.error is not None

    def phases(self) -> tuple[PhaseTiming, ...]:
        return self.result.phases if self.result else ()

    def failing(self, error: str) -> Execution:
        """The same execution, failed afterwards (its export could not be read, say)."""
        return replace(self, error=error)

    def to_record(self) -> SideExecution:
        return SideExecution(
            business_date=self.business_date.isoformat(),
            label=self.space.label,
            side=self.space.side.name,
            status=ExecutionStatus.FAILED if self.failed else ExecutionStatus.OK,
            error=self.error,
            seconds=self.result.seconds if self.result else self.seconds,
            phases=[p.to_dict() for p in self.phases()],
            logged_phases=[p.to_dict() for p in self.result.logged_phases] if self.result else [],
            exports=[p.name for p in self.exports],
            role=self.space.role,
            sqlstate=self.sqlstate,
            session=self.session,
            samples=_samples(self.repeats, self.result),
            plans=self.plans,
            functions=list(self.result.functions) if self.result else [],
        )


def _samples(repeats: tuple[ProcessResult, ...], recorded: ProcessResult | None) -> list[dict[str, Any]]:
    """Every timed execution, the recorded one last; none without repeats (or a result)."""
    if not repeats or recorded is None:
        return []
    return [{"seconds": r.seconds, "phases": [p.to_dict() for p in r.phases]} for r in (*repeats, recorded)]


class SessionCheck:
    """The side session's role and settings as the harness set them; a change fails the side."""

    def __init__(self, space: SideSpace, day: date) -> None:
        self.space, self.day = space, day
        self.expected: dict[str, str] = {}

    def start(self, conn: Connection) -> None:
        self.conn = conn
        self.expected = self._read()
        role = self.space.role
        if role and (self.expected["current_user"], self.expected["session_user"]) != (role, role):
            raise SideFailed(f"{self.space.side.name}: the side's session is not logged in as {role!r}")

    def after(self, phase: str) -> None:
        now = self._read()
        for name, value in self.expected.items():
            if now[name] != value:
                raise SideFailed(
                    f"{self.space.side.name} changed setting {name} from {value!r} to {now[name]!r} "
                    f"in phase {phase!r} on {self.day}; a side must not change its session",
                    phase=phase,
                )

    def _read(self) -> dict[str, str]:
        row = self.conn.execute(SESSION_STATE, (list(CHECKED_SETTINGS),)).fetchone()
        assert row is not None
        return {
            "current_user": row[0],
            "session_user": row[1],
            **dict(zip(CHECKED_SETTINGS, row[2], strict=True)),
        }


class SideSession:
    """Opens the sealed sessions of one side and enforces its time limit on them."""

    def __init__(self, database: Database, space: SideSpace, limit: float | None) -> None:
        self.database, self.space, self.limit = database, space, limit

    def connect(self) -> Connection:
        login = self.space.login
        return self.database.connect_as(login.role, login.password) if login else self.database.connect()

    def _connect_for(self, day: date) -> Connection:
        try:
            return self.connect()
        except DatabaseUnavailable:
            self.database.connect().close()  # the server itself is unreachable: not the side's doing
            raise SideFailed(
                f"{self.space.side.name} could not log in as its role {self.space.role!r} on {day} "
                "(did it change its own password or login?)"
            ) from None

    def _server_still_up(self, failure: SideFailed) -> None:
        """A failure the server caused (it died, the disk is full) is not the side's doing."""
        if failure.sqlstate and failure.sqlstate[:2] in ENVIRONMENT_CLASSES:
            raise DatabaseUnavailable(f"the database server failed, not the side: {failure}") from failure
        try:
            self.database.connect().close()
        except DatabaseUnavailable as exc:
            raise DatabaseUnavailable(
                f"the database server went away while {self.space.side.name} ran: {exc}"
            ) from exc

    def terminate(self, pid: int) -> None:
        with self.database.connect() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    def install(self) -> None:
        """Run the side's install files in its schema, all or nothing."""
        with self.connect() as conn:
            watchdog = Watchdog(conn, self.limit, self.terminate)
            try:
                with watchdog.guard(), conn.transaction():
                    set_search_path(conn, self.space.schema)
                    set_statement_timeout(conn, self.limit)
                    run_install_files(conn, self.space.side)
            except SideError as exc:
                raise SideError(f"{exc} (installing as role {self.space.role})") from exc
            except psycopg.Error as exc:
                raise SideError(f"{self.space.side.name}: install failed: {first_line(exc)}") from exc

    def load_opening(self, table: str, columns: list[str]) -> None:
        """The staged opening rows into the side's table, on its own session."""
        with self.connect() as conn:
            try:
                opening.load(conn, self.space, table, columns)
            except psycopg.Error as exc:
                raise SideError(
                    f"{self.space.side.name}: loading the opening rows of {table} failed: {first_line(exc)}"
                ) from exc

    def execute(self, day: date, out_dir: Path, on_phase: Callable[[str], None] | None = None) -> Execution:
        started = time.perf_counter()
        check = SessionCheck(self.space, day)
        try:
            with self._connect_for(day) as conn:
                watchdog = Watchdog(conn, self.limit, self.terminate)
                try:
                    result = self._phases(conn, day, check, watchdog, on_phase)
                    exports = self._export(conn, day, out_dir, watchdog)
                except SideFailed as exc:
                    cancelled = exc.sqlstate == QUERY_CANCELED and self.limit
                    if not (watchdog.fired or cancelled):
                        raise
                    raise self._timed_out(exc, day) from exc
        except SideFailed as exc:
            self._server_still_up(exc)
            return Execution(
                self.space,
                day,
                None,
                (),
                str(exc),
                time.perf_counter() - started,
                exc.sqlstate,
                check.expected,
            )
        return Execution(
            self.space, day, result, exports, None, time.perf_counter() - started, None, check.expected
        )

    def repeat(self, day: date) -> ProcessResult:
        """One timing repeat: the date's phases executed exactly as for the record, sealed and
        checked alike, in a transaction rolled back afterwards, so the next execution starts
        from the same state (sequences excepted: nextval is never rolled back)."""
        check = SessionCheck(self.space, day)
        with self._connect_for(day) as conn:
            watchdog = Watchdog(conn, self.limit, self.terminate)
            try:
                with conn.transaction(force_rollback=True):
                    return self._phases(conn, day, check, watchdog, None)
            except SideFailed as exc:
                if not (watchdog.fired or (exc.sqlstate == QUERY_CANCELED and self.limit)):
                    raise
                raise self._timed_out(exc, day) from exc

    def _phases(
        self,
        conn: Connection,
        day: date,
        check: SessionCheck,
        watchdog: Watchdog,
        on_phase: Callable[[str], None] | None,
    ) -> ProcessResult:
        hooks = Hooks(on_phase=on_phase, guard=watchdog.guard, after_phase=check.after, started=check.start)
        return process_date(
            conn, self.space.side, self.space.schema, None, day, phase_timeout=self.limit, hooks=hooks
        )

    def _export(self, conn: Connection, day: date, out_dir: Path, watchdog: Watchdog) -> tuple[Path, ...]:
        side = self.space.side
        if side.export is None:
            return ()
        try:
            with watchdog.guard():
                files = export_files(
                    conn,
                    side,
                    self.space.schema,
                    None,
                    day,
                    out_dir / "exports" / self.space.label,
                    self.limit,
                )
            check_export_files(files)
        except psycopg.Error as exc:
            raise SideFailed(
                f"{side.name} failed writing its export for {day}: {first_line(exc)}", "export", exc.sqlstate
            ) from exc
        except (SideError, ExportFormatError) as exc:
            raise SideFailed(f"{side.name} wrote a malformed export for {day}: {exc}", "export") from exc
        return tuple(files)

    def _timed_out(self, exc: SideFailed, day: date) -> SideFailed:
        where = f"phase {exc.phase!r}" if exc.phase else "its export"
        return SideFailed(
            f"{self.space.side.name} timed out in {where} on {day} after {self.limit:g} s (--phase-timeout; "
            "enforced by the harness from outside the side's session)",
            exc.phase,
            exc.sqlstate,
        )
