"""Install a side into a schema and process business dates with it, phase by phase.

These are the steps on a connection the caller chose: ``harness process`` runs them on
its own connection, straight on the source; a parallel run runs them sealed, on the
side's own login (harness.side_execution), through the hooks.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from comparisons.export import EXPORT_HEADER
from harness.database import Connection, first_line
from harness.errors import SideError, SideFailed
from harness.manifest import Side
from harness.source import set_search_path

PhaseHook = Callable[[str], None]
LEDGER_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")

# Rows written by this transaction so far, over every table of the side's schema.
ROWS_WRITTEN = """
SELECT pg_catalog.sum(n_tup_ins + n_tup_upd + n_tup_del)
FROM pg_catalog.pg_stat_xact_user_tables WHERE schemaname = %s
"""

# Qualified throughout: the side's session may have put its own schema before the catalog.
FUNCTION_STATISTICS = """
SELECT funcname, calls, total_time, self_time FROM pg_catalog.pg_stat_xact_user_functions
WHERE schemaname OPERATOR(pg_catalog.=) %s ORDER BY self_time DESC, funcname LIMIT 25
"""


@dataclass(frozen=True)
class Hooks:
    """What the caller wants around each phase: progress, a time guard, a check after it."""

    on_phase: PhaseHook | None = None
    guard: Callable[[], AbstractContextManager[Any]] = nullcontext
    after_phase: PhaseHook | None = None
    started: Callable[[Connection], None] | None = None


@dataclass(frozen=True)
class PhaseTiming:
    """One phase of one side on one date: how long it took and how many rows it wrote."""

    name: str
    seconds: float
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "seconds": self.seconds, "rows": self.rows}


@dataclass(frozen=True)
class ProcessResult:
    """What processing one date with one side did."""

    side: str
    business_date: date
    phases: tuple[PhaseTiming, ...]
    logged_phases: tuple[PhaseTiming, ...] = field(default=())
    # the side's own functions as the server tracked them in the date's transaction
    # (pg_stat_xact_user_functions; empty where track_functions is off)
    functions: tuple[dict[str, Any], ...] = ()

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.phases)

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "business_date": self.business_date.isoformat(),
            "seconds": self.seconds,
            "phases": [p.to_dict() for p in self.phases],
            "logged_phases": [p.to_dict() for p in self.logged_phases],
        }


def schema_exists(conn: Connection, schema: str) -> bool:
    row = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    return row is not None


def install_side(conn: Connection, side: Side, schema: str) -> None:
    """Create ``schema`` and run the side's install files in it, all or nothing."""
    with conn.transaction():
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        install_into_schema(conn, side, schema)


def install_into_schema(conn: Connection, side: Side, schema: str) -> None:
    """Run the side's install files in an existing ``schema``, all or nothing."""
    with conn.transaction():
        set_search_path(conn, schema)
        run_install_files(conn, side)


def run_install_files(conn: Connection, side: Side) -> None:
    """Run the side's install files in order, in the current transaction and search_path."""
    for name, text in side.install_sql():
        try:
            conn.execute(text.encode())
        except psycopg.Error as exc:
            raise SideError(f"{side.name}: installing {name} failed: {first_line(exc)}") from exc


def process_date(
    conn: Connection,
    side: Side,
    schema: str,
    source_schema: str | None,
    business_date: date,
    *,
    phase_timeout: float | None = None,
    hooks: Hooks = Hooks(),
) -> ProcessResult:
    """Run every phase of ``side`` for one date in one transaction; roll back on failure.

    ``source_schema`` None means the source tables were copied into ``schema``.
    """
    params = {"business_date": business_date}
    timings: list[PhaseTiming] = []
    try:
        with conn.transaction():
            set_search_path(conn, schema, *([source_schema] if source_schema else []))
            set_statement_timeout(conn, phase_timeout)
            if hooks.started:
                hooks.started(conn)
            _run_phases(conn, side, params, schema, hooks, timings)
            with hooks.guard():
                logged = _logged_phases(conn, side, params)
            functions = function_statistics(conn, schema)
    except psycopg.Error as exc:
        failed = side.phases[len(timings)].name if len(timings) < len(side.phases) else "timing query"
        raise SideFailed(
            _failure(side, failed, business_date, exc, phase_timeout), phase=failed, sqlstate=exc.sqlstate
        ) from exc
    return ProcessResult(side.name, business_date, tuple(timings), logged, functions)


def function_statistics(conn: Connection, schema: str) -> tuple[dict[str, Any], ...]:
    """Calls and times of the schema's functions in this transaction, the slowest first."""
    try:
        with conn.transaction():  # a savepoint: failing to read them must not fail the side
            rows = conn.execute(FUNCTION_STATISTICS, (schema,)).fetchall()
    except psycopg.Error:
        return ()
    return tuple(
        {"name": str(name), "calls": int(calls), "total_ms": float(total), "self_ms": float(own)}
        for name, calls, total, own in rows
    )


def set_statement_timeout(conn: Connection, seconds: float | None) -> None:
    """The limit for the rest of this transaction (0: none)."""
    timeout_ms = str(int(seconds * 1000)) if seconds else "0"
    conn.execute("SELECT pg_catalog.set_config('statement_timeout', %s, true)", (timeout_ms,))


def _failure(side: Side, phase: str, day: date, exc: psycopg.Error, timeout: float | None) -> str:
    if isinstance(exc, psycopg.errors.QueryCanceled) and timeout:
        return f"{side.name} timed out in phase {phase!r} on {day} after {timeout:g} s (--phase-timeout)"
    state = f" [SQLSTATE {exc.sqlstate}]" if exc.sqlstate else ""
    return f"{side.name} failed in phase {phase!r} on {day}: {first_line(exc)}{state}"


def _run_phases(
    conn: Connection,
    side: Side,
    params: dict[str, Any],
    schema: str,
    hooks: Hooks,
    timings: list[PhaseTiming],
) -> None:
    """Run the phases in order, appending each one's timing as it finishes."""
    written = _rows_written(conn, schema)
    for phase in side.phases:
        if hooks.on_phase:
            hooks.on_phase(phase.name)
        started = time.perf_counter()
        with hooks.guard():
            conn.execute(phase.sql.encode(), params)
        seconds = time.perf_counter() - started
        if hooks.after_phase:
            hooks.after_phase(phase.name)
        total = _rows_written(conn, schema)
        timings.append(PhaseTiming(phase.name, seconds, total - written))
        written = total


def _rows_written(conn: Connection, schema: str) -> int:
    row = conn.execute(ROWS_WRITTEN, (schema,)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _logged_phases(conn: Connection, side: Side, params: dict[str, Any]) -> tuple[PhaseTiming, ...]:
    if not side.timing_query:
        return ()
    rows = conn.execute(side.timing_query.encode(), params).fetchall()
    return tuple(PhaseTiming(str(r[0]), float(r[1]) / 1000.0, int(r[2] or 0)) for r in rows)


def export_files(
    conn: Connection,
    side: Side,
    schema: str,
    source_schema: str | None,
    business_date: date,
    out_dir: Path,
    timeout: float | None = None,
) -> list[Path]:
    """Write the side's export for one date: one CSV per ledger, named LEDGER_YYYYMMDD.csv."""
    if side.export is None:
        raise SideError(f"side {side.name!r} declares no [export] in its manifest")
    out_dir.mkdir(parents=True, exist_ok=True)
    params: dict[str, Any] = {"business_date": business_date}
    with conn.transaction():
        set_search_path(conn, schema, *([source_schema] if source_schema else []))
        set_statement_timeout(conn, timeout)
        ledgers = [_ledger_code(side, r[0]) for r in conn.execute(side.export.ledgers.encode(), params)]
        return [_export_ledger(conn, side, ledger, business_date, out_dir) for ledger in ledgers]


def _ledger_code(side: Side, value: Any) -> str:
    # The code becomes a file name: a side must not be able to write outside the export folder.
    code = str(value)
    if not LEDGER_CODE.fullmatch(code):
        raise SideError(
            f"{side.name}: its export names a ledger {code[:40]!r}; codes are letters, digits, - and _"
        )
    return code


def export_name(ledger: str, business_date: date) -> str:
    return f"{ledger}_{business_date:%Y%m%d}.csv"


def _export_ledger(conn: Connection, side: Side, ledger: str, business_date: date, out_dir: Path) -> Path:
    assert side.export is not None
    path = out_dir / export_name(ledger, business_date)
    params = {"business_date": business_date, "ledger_code": ledger}
    with path.open("wb") as out:
        if side.export.copy:
            with conn.cursor().copy(side.export.copy.encode(), params) as copy:
                for chunk in copy:
                    out.write(chunk)
        else:
            assert side.export.lines is not None
            out.write((",".join(EXPORT_HEADER) + "\n").encode())
            for row in conn.execute(side.export.lines.encode(), params):
                out.write((str(row[0]) + "\n").encode())
    return path
