"""One parallel run: isolate both sides, process the dates in order, compare, record.

The steps of a run are declared in order in ``Runner.run``; each date's results go to the
ledger as soon as they exist, so an interrupted run keeps what it did and can resume.
"""

from __future__ import annotations

import platform
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg

import comparisons
from harness import __version__, ledger
from harness.config import Config
from harness.database import SESSION_SETTINGS, Database
from harness.errors import InvalidInput, RunNotFound, SideFailed
from harness.execution import PhaseTiming, ProcessResult, export_files, process_date
from harness.fingerprint import fingerprint
from harness.isolation import (
    SideSpace,
    as_role,
    check_role_privilege,
    check_same_input,
    copy_source,
    create_space,
    drop_space,
    install_into_space,
    side_space,
)
from harness.progress import Progress
from harness.provenance import current_user, server_record, side_record
from harness.reconcile import compare_date
from harness.source import dates_present

Connection = psycopg.Connection[tuple[Any, ...]]


@dataclass(frozen=True)
class RunRequest:
    """What the user asked for."""

    dates: tuple[date, ...]
    out_dir: Path | None = None
    keep_schemas: bool = False
    concurrent: bool = False
    phase_timeout: float | None = None
    role_isolation: bool = True
    resume: str | None = None
    command_line: str = ""
    max_detail_rows: int = 10_000


@dataclass
class RunState:
    run_id: str
    dates: tuple[date, ...]
    spaces: tuple[SideSpace, SideSpace]
    out_dir: Path
    done: set[date] = field(default_factory=set)


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%d_%H%M%S}_{secrets.token_hex(2)}"


class Runner:
    def __init__(self, database: Database, config: Config, progress: Progress) -> None:
        self.database = database
        self.config = config
        self.progress = progress

    def run(self, request: RunRequest) -> RunState:
        with self.database.connect() as conn:
            ledger.ensure_ledger(conn)
            state = self._start(conn, request)
            try:
                self._process_dates(conn, state, request)
            except KeyboardInterrupt:
                self._finish(state, request, "interrupted")
                self.progress.line(
                    f"run {state.run_id} interrupted; resume: harness run --resume {state.run_id}"
                )
                raise
            except BaseException as exc:
                self._finish(state, request, "failed", error=str(exc))
                raise
            self._finish(state, request, "completed")
        return state

    # ---- start ---------------------------------------------------------------------------
    def _start(self, conn: Connection, request: RunRequest) -> RunState:
        if request.resume:
            return self._resume(conn, request)
        self._check_dates(conn, request.dates)
        run_id = new_run_id()
        state = RunState(run_id, request.dates, self._spaces(conn, run_id, request), _out(request, run_id))
        started = time.perf_counter()
        inputs = self._isolate(conn, state)
        body = self._start_body(conn, state, request, inputs)
        body["setup_seconds"] = time.perf_counter() - started
        ledger.append(conn, run_id, "run_started", body)
        self.progress.line(f"run {run_id}: {len(request.dates)} date(s), {self._pair()}")
        return state

    def _pair(self) -> str:
        return f"{self.config.control.name} (control) vs {self.config.candidate.name} (candidate)"

    def _spaces(self, conn: Connection, run_id: str, request: RunRequest) -> tuple[SideSpace, SideSpace]:
        isolate = request.role_isolation and self.config.role_isolation
        if isolate:
            check_role_privilege(conn)
        (c_label, c_side), (k_label, k_side) = self.config.sides()
        return side_space(run_id, c_label, c_side, isolate), side_space(run_id, k_label, k_side, isolate)

    def _check_dates(self, conn: Connection, dates: tuple[date, ...]) -> None:
        source = self.config.source
        if not dates:
            raise InvalidInput("no business dates given; use --from/--to or --dates")
        if source.date_table is None:
            return
        table, column = source.date_table
        present = dates_present(conn, source.schema, table, column, list(dates))
        if not present:
            first, last = min(dates), max(dates)
            raise InvalidInput(
                f"no rows in {source.schema}.{table} for any of the {len(dates)} date(s) {first}..{last}; "
                f"seed them first (harness seed --from {first} --to {last}) or use --demo"
            )

    def _isolate(self, conn: Connection, state: RunState) -> dict[str, Any]:
        prints = []
        for space in state.spaces:
            self.progress.status(f"isolating {space.label} ({space.side.name}) in schema {space.schema}")
            create_space(conn, space)
            prints.append(copy_source(conn, space, self.config.source, list(state.dates)))
            install_into_space(conn, space)
        check_same_input(prints[0], prints[1])
        return {table: printed.to_dict() for table, printed in prints[0].items()}

    def _start_body(
        self, conn: Connection, state: RunState, request: RunRequest, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "run_id": state.run_id,
            "started_at": datetime.now(UTC).isoformat(),
            "dates": [d.isoformat() for d in state.dates],
            "out_dir": str(state.out_dir),
            "harness_version": __version__,
            "command_line": request.command_line,
            "user": current_user(),
            "host": platform.node(),
            "config": {"path": self.config.path, "sha256": self.config.sha256, "text": self.config.text},
            "sides": {space.label: side_record(space) for space in state.spaces},
            "isolation": {"roles": state.spaces[0].role is not None},
            "input_fingerprints": inputs,
            "source_fingerprints": self.source_fingerprints(conn),
            "server": server_record(conn),
            "settings": dict(SESSION_SETTINGS),
            "options": {
                "concurrent": request.concurrent,
                "phase_timeout": self._timeout(request),
                "keep_schemas": request.keep_schemas,
                "max_detail_rows": request.max_detail_rows,
            },
        }

    def source_fingerprints(self, conn: Connection) -> dict[str, Any]:
        source = self.config.source
        return {t: fingerprint(conn, source.schema, t).to_dict() for t in source.tables}

    def _resume(self, conn: Connection, request: RunRequest) -> RunState:
        run_id = str(request.resume)
        history = ledger.entries(conn, run_id)
        started = next((e for e in history if e.kind == "run_started"), None)
        if started is None:
            raise RunNotFound(f"no run {run_id!r} in the ledger; see 'harness history'")
        if any(e.kind == "run_finished" and e.body["status"] == "completed" for e in history):
            raise InvalidInput(f"run {run_id} already completed; nothing to resume")
        dates = tuple(date.fromisoformat(d) for d in started.body["dates"])
        done = {date.fromisoformat(e.body["business_date"]) for e in history if e.kind == "date_finished"}
        out_dir = Path(started.body.get("out_dir") or _out(request, run_id))
        state = RunState(run_id, dates, self._spaces(conn, run_id, request), out_dir, done=done)
        for space in state.spaces:
            drop_space(conn, space)
        inputs = self._isolate(conn, state)
        if inputs != started.body["input_fingerprints"]:
            raise InvalidInput(f"the source changed since run {run_id} started; start a new run instead")
        ledger.append(conn, run_id, "run_resumed", {"resumed_at": datetime.now(UTC).isoformat()})
        self.progress.line(f"resuming run {run_id}: {len(done)} of {len(dates)} date(s) already recorded")
        return state

    # ---- dates -----------------------------------------------------------------------------
    def _process_dates(self, conn: Connection, state: RunState, request: RunRequest) -> None:
        for day in state.dates:
            if day in state.done:
                self.progress.status(f"{day}: replaying (already recorded)")
                self._execute_both(conn, state, day, request)
                continue
            results = self._execute_both(conn, state, day, request)
            started = time.perf_counter()
            outcome = compare_date(conn, self.config, state.spaces, day, results, request.max_detail_rows)
            summary = {**outcome.summary_body(), "compare_seconds": time.perf_counter() - started}
            # A date is recorded whole or not at all, so a resumed run never records it twice.
            ledger.append_all(
                conn,
                state.run_id,
                [
                    *(("execution", execution.to_dict()) for execution in results.values()),
                    *(("comparison", body) for body in outcome.results),
                    ("date_finished", summary),
                ],
            )
            state.done.add(day)
            self.progress.line(outcome.progress_line())

    def _execute_both(
        self, conn: Connection, state: RunState, day: date, request: RunRequest
    ) -> dict[str, Execution]:
        if request.concurrent:
            with ThreadPoolExecutor(max_workers=2) as pool:
                futures = [
                    pool.submit(self._execute_own_conn, s, day, request, state.out_dir) for s in state.spaces
                ]
                return {s.label: f.result() for s, f in zip(state.spaces, futures, strict=True)}
        return {s.label: self._execute(conn, s, day, request, state.out_dir) for s in state.spaces}

    def _execute_own_conn(self, space: SideSpace, day: date, request: RunRequest, out_dir: Path) -> Execution:
        with self.database.connect() as conn:
            return self._execute(conn, space, day, request, out_dir)

    def _execute(
        self, conn: Connection, space: SideSpace, day: date, request: RunRequest, out_dir: Path
    ) -> Execution:
        started = time.perf_counter()

        def on_phase(name: str) -> None:
            self.progress.status(f"{day} {space.label} ({space.side.name}): {name}")

        try:
            result = process_date(
                conn,
                space.side,
                space.schema,
                None,
                day,
                role=space.role,
                phase_timeout=self._timeout(request),
                on_phase=on_phase,
            )
            exports = self._export(conn, space, day, out_dir)
        except SideFailed as exc:
            self.progress.line(f"{day} {space.label} ({space.side.name}): FAILED: {exc}")
            return Execution(space, day, None, (), str(exc), time.perf_counter() - started)
        return Execution(space, day, result, exports, None, time.perf_counter() - started)

    def _export(self, conn: Connection, space: SideSpace, day: date, out_dir: Path) -> tuple[Path, ...]:
        if space.side.export is None:
            return ()
        out = out_dir / "exports" / space.label
        try:
            with as_role(conn, space.role):
                return tuple(export_files(conn, space.side, space.schema, None, day, out))
        except psycopg.Error as exc:
            raise SideFailed(
                f"{space.side.name} failed writing its export for {day}: {exc}", "export"
            ) from exc

    def _timeout(self, request: RunRequest) -> float | None:
        timeout = request.phase_timeout if request.phase_timeout is not None else self.config.phase_timeout
        return timeout or None

    # ---- finish ----------------------------------------------------------------------------
    def _finish(self, state: RunState, request: RunRequest, status: str, error: str | None = None) -> None:
        # A fresh connection: after Ctrl-C or an error the run's own one may be unusable.
        with self.database.connect() as conn:
            body: dict[str, Any] = {
                "status": status,
                "finished_at": datetime.now(UTC).isoformat(),
                "dates_recorded": len(state.done),
                "source_fingerprints": self.source_fingerprints(conn),
            }
            if error:
                body["error"] = error
            recorded = [e.body for e in ledger.entries(conn, state.run_id) if e.kind == "comparison"]
            body["accepted_differences"] = comparisons.summarize_accepted(
                self.config.accepted_differences, recorded
            )
            ledger.append(conn, state.run_id, "run_finished", body)
            if request.keep_schemas:
                names = ", ".join(s.schema for s in state.spaces)
                self.progress.line(f"kept schemas {names} (--keep-schemas)")
            else:
                for space in state.spaces:
                    drop_space(conn, space)


@dataclass(frozen=True)
class Execution:
    """One side's processing of one date, as recorded in the ledger."""

    space: SideSpace
    business_date: date
    result: ProcessResult | None
    exports: tuple[Path, ...]
    error: str | None
    seconds: float

    @property
    def failed(self) -> bool:
        return self.error is not None

    def phases(self) -> tuple[PhaseTiming, ...]:
        return self.result.phases if self.result else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "business_date": self.business_date.isoformat(),
            "label": self.space.label,
            "side": self.space.side.name,
            "status": "FAILED" if self.failed else "OK",
            "error": self.error,
            "seconds": self.result.seconds if self.result else self.seconds,
            "phases": [p.to_dict() for p in self.phases()],
            "logged_phases": [p.to_dict() for p in self.result.logged_phases] if self.result else [],
            "exports": [p.name for p in self.exports],
        }


def _out(request: RunRequest, run_id: str) -> Path:
    return request.out_dir or Path("harness-report") / run_id
