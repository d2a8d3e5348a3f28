"""The query plans of a side's phases for one date, from a rolled-back execution (docs/plans.md).

A phase is usually one ``SELECT f(%(business_date)s)``, whose own plan is a single Result
node; the plans that matter are those of the statements inside ``f``. PostgreSQL's
auto_explain module explains every statement as it finishes, nested ones included, and
sends each plan to the client as a NOTICE, which is summarised here (harness.plan_nodes)
and kept only for the slowest statements of each phase.

auto_explain's settings are superuser-only, and a side runs logged in as its own role,
which is not a superuser: the harness sets them for that role in this database
(``ALTER ROLE ... IN DATABASE ... SET``), opens the side's session, which takes them at
login, and removes them again straight away, before any of the side's SQL runs. The
date's phases then run in a transaction that is always rolled back.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import Any

import psycopg
from psycopg import sql

from harness.database import Connection, Database, first_line
from harness.errors import DatabaseUnavailable, SideFailed
from harness.execution import Hooks, process_date
from harness.isolation import SideSpace
from harness.manifest import Side
from harness.plan_nodes import Plan, parse_notice
from harness.side_execution import SideSession
from harness.watchdog import Watchdog

MAX_PLANS = 20
BIG_TABLE_ROWS = 10_000
LIBRARY = "auto_explain"
EXPLAIN_SETTINGS = {
    "auto_explain.log_nested_statements": "on",
    "auto_explain.log_analyze": "on",
    "auto_explain.log_buffers": "on",
    "auto_explain.log_format": "json",
    "auto_explain.log_min_duration": "0",
    "auto_explain.log_level": "notice",
}
ROLE_SETTINGS = {"session_preload_libraries": LIBRARY, **EXPLAIN_SETTINGS}
ROLE_SETTINGS_NOW = files("harness.sql").joinpath("plans_role_settings.sql").read_text(encoding="utf-8")
ALTER_SET = sql.SQL("ALTER ROLE {role} IN DATABASE {database} SET {name} = {value}")
ALTER_RESET = sql.SQL("ALTER ROLE {role} IN DATABASE {database} RESET {name}")
# Sent without parameters, so by the simple query protocol: a statement sent with
# parameters (extended protocol) keeps its portal, and auto_explain's notice of it waits
# until the next statement drops that; this one does, without being explained itself.
NOTICES_ONLY = "SET LOCAL client_min_messages TO notice"


class PlansUnavailable(Exception):
    """auto_explain cannot be used on this server (or for this role)."""


@dataclass(frozen=True)
class PhasePlan:
    """One phase's slowest plans (at most ``max_plans``, of ``seen`` captured) and wall time."""

    name: str
    seconds: float
    plans: tuple[Plan, ...]
    seen: int
    completed: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seconds": self.seconds,
            "completed": self.completed,
            "plans_seen": self.seen,
            "plans": [p.to_dict() for p in self.plans],
        }


@dataclass(frozen=True)
class PhasePlans:
    """The plans of one side's date: status captured, failed (a phase raised) or unavailable."""

    side: str
    label: str
    business_date: date
    status: str
    detail: str | None
    phases: tuple[PhasePlan, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "label": self.label,
            "business_date": self.business_date.isoformat(),
            "status": self.status,
            "detail": self.detail,
            "phases": [p.to_dict() for p in self.phases],
        }


class Collector:
    """Receives the side session's notices and keeps each phase's slowest plans."""

    def __init__(self, side: Side, max_plans: int, big_table_rows: int) -> None:
        self.phase_sql = {p.name: p.sql for p in side.phases}
        self.max_plans, self.big_table_rows = max_plans, big_table_rows
        self.done: list[PhasePlan] = []
        self.current: str | None = None
        self._order = itertools.count()

    def started(self, conn: Connection) -> None:
        # the harness pins client_min_messages to warning; the plans come as notices
        self.conn = conn
        conn.execute(NOTICES_ONLY)

    def begin(self, phase: str) -> None:
        self.conn.execute(NOTICES_ONLY)  # the plans of the harness's own statements before it
        self.current, self.since, self.seen = phase, time.perf_counter(), 0
        self.heap: list[tuple[float, int, Plan]] = []

    def end(self, phase: str, completed: bool = True) -> None:
        seconds = time.perf_counter() - self.since
        if completed:
            self.conn.execute(NOTICES_ONLY)  # the plan of the phase's own statement
        plans = tuple(p for _, _, p in sorted(self.heap, key=lambda item: (-item[0], item[1])))
        self.done.append(PhasePlan(phase, seconds, plans, self.seen, completed))
        self.current = None

    def stop(self) -> None:
        """The running phase failed: keep what it showed so far."""
        if self.current is not None:
            self.end(self.current, completed=False)

    def notice(self, diagnostic: psycopg.errors.Diagnostic) -> None:
        if self.current is None or diagnostic.severity_nonlocalized != "NOTICE":
            return
        plan = parse_notice(
            diagnostic.message_primary or "", self.phase_sql[self.current], self.big_table_rows
        )
        if plan is None:
            return
        self.seen += 1
        item = (plan.total_ms, next(self._order), plan)
        if len(self.heap) < self.max_plans:
            heapq.heappush(self.heap, item)
        elif self.max_plans:
            heapq.heappushpop(self.heap, item)


def capture_plans(
    database: Database,
    space: SideSpace,
    day: date,
    *,
    max_plans: int = MAX_PLANS,
    big_table_rows: int = BIG_TABLE_ROWS,
    limit: float | None = None,
) -> PhasePlans:
    """Run the side's phases for ``day``, rolled back, and return the plans of what they ran."""
    collector = Collector(space.side, max_plans, big_table_rows)
    try:
        conn = _explaining_connection(database, space)
    except PlansUnavailable as exc:
        return PhasePlans(space.side.name, space.label, day, "unavailable", f"unavailable: {exc}")
    with conn:
        conn.add_notice_handler(collector.notice)
        error = _run(conn, SideSession(database, space, limit), day, collector)
    status = "failed" if error else "captured"
    return PhasePlans(space.side.name, space.label, day, status, error, tuple(collector.done))


def _run(conn: Connection, session: SideSession, day: date, collector: Collector) -> str | None:
    space = session.space
    watchdog = Watchdog(conn, session.limit, session.terminate)
    hooks = Hooks(
        on_phase=collector.begin, guard=watchdog.guard, after_phase=collector.end, started=collector.started
    )
    try:
        with conn.transaction(force_rollback=True):
            process_date(conn, space.side, space.schema, None, day, phase_timeout=session.limit, hooks=hooks)
    except SideFailed as exc:
        collector.stop()
        return str(exc)
    except psycopg.Error as exc:  # the session itself broke (terminated at the time limit)
        collector.stop()
        return f"{space.side.name}: the session failed on {day}: {first_line(exc)}"
    return None


def _explaining_connection(database: Database, space: SideSpace) -> Connection:
    """A session of the side with auto_explain loaded and configured."""
    with database.connect() as admin:
        _check_available(admin)
        if space.login is None:  # no role isolation: the side runs as the harness's own user
            conn = database.connect()
            conn.execute(sql.SQL("LOAD {}").format(sql.Literal(LIBRARY)))
            for name, value in EXPLAIN_SETTINGS.items():
                conn.execute("SELECT pg_catalog.set_config(%s, %s, false)", (name, value))
        else:
            with _role_settings(database, admin, space.login.role):
                conn = _connect(database, space)
    row = conn.execute("SELECT pg_catalog.current_setting('auto_explain.log_analyze', true)").fetchone()
    if row is None or row[0] != "on":
        conn.close()
        raise PlansUnavailable("the side's session did not load auto_explain at login")
    return conn


def _connect(database: Database, space: SideSpace) -> Connection:
    try:
        return SideSession(database, space, None).connect()
    except DatabaseUnavailable as exc:
        raise PlansUnavailable(f"cannot log in as the side's role: {exc}") from exc


def _check_available(admin: Connection) -> None:
    row = admin.execute(
        "SELECT rolsuper, current_user FROM pg_catalog.pg_roles WHERE rolname = current_user"
    ).fetchone()
    if row is None or not row[0]:
        user = row[1] if row else "this user"
        raise PlansUnavailable(
            f"user {user!r} is not a superuser, and auto_explain's settings are superuser-only"
        )
    try:
        admin.execute(sql.SQL("LOAD {}").format(sql.Literal(LIBRARY)))
    except psycopg.Error as exc:
        raise PlansUnavailable(f"the server has no {LIBRARY} module ({first_line(exc)})") from exc


@contextmanager
def _role_settings(database: Database, admin: Connection, role: str) -> Iterator[None]:
    """The role's auto_explain settings in this database while the block opens its session;
    removed afterwards whatever happens (a fresh connection, should ``admin``'s have broken)."""
    _check_settings_free(admin, role)
    names = {"role": sql.Identifier(role), "database": sql.Identifier(admin.info.dbname)}
    try:
        for name, value in ROLE_SETTINGS.items():
            admin.execute(ALTER_SET.format(**names, name=_setting(name), value=sql.Literal(value)))
        yield
    finally:
        with database.connect() as again:
            for name in ROLE_SETTINGS:
                again.execute(ALTER_RESET.format(**names, name=_setting(name)))


def _check_settings_free(admin: Connection, role: str) -> None:
    """Refuse to override a setting of the role's own; one equal to ours is a leftover of a
    capture that was killed before it could remove it, and is removed this time."""
    rows = admin.execute(ROLE_SETTINGS_NOW, {"role": role}).fetchall()
    for (entry,) in rows:
        name, _, value = str(entry).partition("=")
        if name in ROLE_SETTINGS and value != ROLE_SETTINGS[name]:
            raise PlansUnavailable(f"role {role!r} has its own {name} ({value!r}) in this database")


def _setting(name: str) -> sql.Composable:
    return sql.SQL(".").join(sql.Identifier(part) for part in name.split("."))
