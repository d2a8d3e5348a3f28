"""One parallel run: isolate both sides, process the dates in order, compare, record.

The steps of a run, in order (``Runner.run``):
  1. resolve the plan (config + command line) once;
  2. begin: a new run is isolated (schemas, input copies, logins, installs) and its start
     recorded, or an interrupted one is rebuilt (harness.run_start);
  3. for each date: both sides executed, sealed (harness.side_execution); their exports
     loaded and the reader granted the day's tables; every entity compared as the reader
     (harness.reconcile); the date's executions, results and summary recorded together;
     after the last date, the whole books compared once (harness.books);
  4. finish: the run's end recorded (completed, interrupted or failed) on a fresh
     connection, and the schemas and roles dropped unless kept.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import comparisons
from comparisons.result import Verdict
from harness import ledger
from harness.books import compare_books
from harness.config import Config
from harness.database import Connection, Database, redact
from harness.drift import DriftCheck
from harness.errors import DatabaseUnavailable, SideFailed
from harness.execution import ProcessResult
from harness.ledger.entries import Comparison, RunFinished, RunStatus
from harness.ledger.keys import KeyRecorder
from harness.ledger.runs import RunRecord
from harness.orphans import find_orphans
from harness.plans import capture_plans
from harness.progress import Progress
from harness.reader import Reading, grant_reader, open_reading
from harness.reconcile import DateOutcome, compare_date, load_export
from harness.run_drop import drop_run_objects
from harness.run_plan import RunPlan, RunRequest
from harness.run_start import RunStart, RunState, source_fingerprints
from harness.servers import source_session
from harness.side_execution import Execution, SideSession

__all__ = ["RunRequest", "RunState", "Runner"]


class Runner:
    def __init__(self, database: Database, config: Config, progress: Progress) -> None:
        self.database = database
        self.config = config
        self.progress = progress

    def run(self, request: RunRequest) -> RunState:
        plan = RunPlan.resolve(self.config, request)
        with self.database.connect() as conn:
            ledger.ensure_ledger(conn)
            if leftovers := find_orphans(conn):
                self.progress.line(
                    f"note: {leftovers.summary()} are left over; 'harness db clean' drops them"
                )
            state = RunStart(self.database, self.config, self.progress).begin(conn, plan)
            try:
                self._process_dates(conn, state, plan)
            except KeyboardInterrupt:
                self._finish(state, plan, RunStatus.INTERRUPTED)
                self.progress.line(
                    f"run {state.run_id} interrupted; resume: harness run --resume {state.run_id}"
                )
                raise
            except BaseException as exc:
                self._finish(state, plan, RunStatus.FAILED, error=redact(str(exc)))
                raise
            self._finish(state, plan, RunStatus.COMPLETED)
        return state

    # ---- dates -----------------------------------------------------------------------------
    def _process_dates(self, conn: Connection, state: RunState, plan: RunPlan) -> None:
        sessions = tuple(SideSession(s.database(self.database), s, plan.phase_timeout) for s in state.spaces)
        drift = DriftCheck(self.config, state.spaces, plan.max_detail_rows)
        reading_of = partial(open_reading, self.database, state.spaces, state.reader, self.config.compare)
        with (
            reading_of(self.progress.status) as reading,
            source_session(state.servers, conn) as source,
        ):
            for day in state.dates:
                if day in state.done:
                    self._replay(reading, sessions, state, day, plan)
                    drift.after(reading, day)  # its baselines only: what it found is recorded
                    continue
                executions = self._execute_both(sessions, state, day, plan)
                started = time.perf_counter()
                executions = self._ready_for_reading(state, executions)
                keys = KeyRecorder(conn, state.run_id)  # each entity's differing keys, to the ledger db
                outcome = compare_date(
                    reading, self.config, state.spaces, day, executions, plan.max_detail_rows, keys, source
                )
                checked = time.perf_counter()
                outcome = outcome.with_rewritten(drift.after(reading, day, outcome.results))
                seconds = (time.perf_counter() - started, time.perf_counter() - checked)
                self._record(conn, state, executions, outcome, seconds)
                state.done.add(day)
                self.progress.line(outcome.progress_line())
            self._compare_books(conn, reading, state, plan)

    def _ready_for_reading(self, state: RunState, executions: dict[str, Execution]) -> dict[str, Execution]:
        """The date's exports loaded, the reader granted the sides' new tables, on their servers."""
        loaded = {}
        for space in state.spaces:
            with space.database(self.database).connect() as admin:
                loaded[space.label] = load_export(admin, executions[space.label])
                grant_reader(admin, state.reader, [space])
        return loaded

    def _compare_books(self, conn: Connection, reading: Reading, state: RunState, plan: RunPlan) -> None:
        """The whole books as the run left them, once the last date is recorded (harness.books)."""
        self.progress.status("whole books: comparing every entity over all its rows")
        started = time.perf_counter()
        books = compare_books(
            reading,
            self.config,
            state.spaces,
            state.dates[-1],
            plan.max_detail_rows,
            KeyRecorder(conn, state.run_id).books(),
        )
        state.books_seconds = time.perf_counter() - started
        ledger.append_all(conn, state.run_id, books)
        verdicts = Counter(str(b.verdict) for b in books)
        counts = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())) or "no entity has a date filter"
        self.progress.line(f"whole books: {counts}")

    def _replay(
        self,
        reading: Reading,
        sessions: tuple[SideSession, ...],
        state: RunState,
        day: date,
        plan: RunPlan,
    ) -> None:
        """A recorded date run and compared again on resume: a replay that differs is REWRITTEN."""
        self.progress.status(f"{day}: replaying (already recorded)")
        executions = self._ready_for_reading(state, self._execute_both(sessions, state, day, plan))
        outcome = compare_date(reading, self.config, state.spaces, day, executions, plan.max_detail_rows)
        changed = [
            replace(
                r,
                verdict=Verdict.REWRITTEN,
                error=f"on resume the replay of {day} compared {r.verdict}: {r.error or ''}",
            )
            for r in outcome.results
            if r.verdict not in (Verdict.MATCH, Verdict.ACCEPTED)
        ]
        if changed:
            with self.database.connect() as conn:
                ledger.append_all(conn, state.run_id, changed)
            self.progress.line(f"{day}: the replay on resume no longer matches: {len(changed)} REWRITTEN")

    def _record(
        self,
        conn: Connection,
        state: RunState,
        executions: dict[str, Execution],
        outcome: DateOutcome,
        seconds: tuple[float, float],
    ) -> None:
        # A date is recorded whole or not at all, so a resumed run never records it twice.
        ledger.append_all(
            conn,
            state.run_id,
            [*(e.to_record() for e in executions.values()), *outcome.results, outcome.finished(*seconds)],
        )

    def _execute_both(
        self, sessions: tuple[SideSession, ...], state: RunState, day: date, plan: RunPlan
    ) -> dict[str, Execution]:
        def execute(session: SideSession) -> Execution:
            space = session.space
            execution = session.execute(
                day,
                state.out_dir,
                lambda name: self.progress.status(f"{day} {space.label} ({space.side.name}): {name}"),
            )
            if execution.failed:
                self.progress.line(f"{day} {space.label} ({space.side.name}): FAILED: {execution.error}")
            return execution

        plans = self._plans(sessions, state, day) if plan.plans else {}
        repeats, failures = self._repeat_both(sessions, day, plan.repeat)
        # the recorded executions continue the alternation of the repeats before them
        ordered = sessions if (plan.repeat - 1) % 2 == 0 else tuple(reversed(sessions))
        if plan.concurrent:
            with ThreadPoolExecutor(max_workers=2) as pool:
                found = dict(zip((s.space.label for s in ordered), pool.map(execute, ordered), strict=True))
        else:
            found = {s.space.label: execute(s) for s in ordered}
        return {
            s.space.label: replace(
                _with_repeats(found[s.space.label], repeats, failures), plans=plans.get(s.space.label)
            )
            for s in sessions
        }

    def _plans(
        self, sessions: tuple[SideSession, ...], state: RunState, day: date
    ) -> dict[str, dict[str, Any]]:
        """Each side's phase plans, once per run: on its first date, in a rolled-back execution."""
        if state.done or state.plans_taken:
            return {}
        state.plans_taken = True
        found = {}
        for session in sessions:
            self.progress.status(f"{day} {session.space.label} ({session.space.side.name}): query plans")
            found[session.space.label] = capture_plans(
                session.space.database(self.database), session.space, day, limit=session.limit
            ).to_dict()
        return found

    def _repeat_both(
        self, sessions: tuple[SideSession, ...], day: date, repeat: int
    ) -> tuple[dict[str, tuple[ProcessResult, ...]], dict[str, str]]:
        """repeat - 1 rolled-back executions of each side, the sides' order alternating; a side
        failing one fails its date (its timing would not be of the same work)."""
        samples: dict[str, list[ProcessResult]] = {s.space.label: [] for s in sessions}
        failures: dict[str, str] = {}
        for i in range(repeat - 1):
            for session in sessions if i % 2 == 0 else tuple(reversed(sessions)):
                label = session.space.label
                if label in failures:
                    continue
                self.progress.status(f"{day} {label} ({session.space.side.name}): repeat {i + 1} of {repeat}")
                try:
                    samples[label].append(session.repeat(day))
                except SideFailed as exc:
                    failures[label] = f"repeat {i + 1} of {repeat}: {exc}"
        return {label: tuple(found) for label, found in samples.items()}, failures

    # ---- finish ----------------------------------------------------------------------------
    def _source_after(self, state: RunState) -> dict[str, Any]:
        """The source as the run leaves it; {} when its server is unreachable (no 'after' shown)."""
        try:
            return source_fingerprints(state.servers.source, self.config)
        except DatabaseUnavailable:
            return {}

    def _finish(self, state: RunState, plan: RunPlan, status: RunStatus, error: str | None = None) -> None:
        # A fresh connection: after Ctrl-C or an error the run's own one may be unusable.
        with self.database.connect() as conn:
            record = RunRecord.from_entries(ledger.entries(conn, state.run_id))
            finished = RunFinished(
                status=status,
                finished_at=datetime.now(UTC).isoformat(),
                dates_recorded=len(state.done),
                source_fingerprints=self._source_after(state),
                accepted_differences=_accepted(self.config, record.comparisons),
                error=error,
                books_seconds=state.books_seconds,
            )
            ledger.append(conn, state.run_id, finished)
            if plan.keep_schemas and plan.announce_kept:
                names = ", ".join(s.schema for s in state.spaces)
                self.progress.line(f"kept schemas {names} (--keep-schemas)")
            elif not plan.keep_schemas and (left := drop_run_objects(self.database, state)):
                self.progress.line(f"note: {left}")


def _with_repeats(
    execution: Execution, repeats: dict[str, tuple[ProcessResult, ...]], failures: dict[str, str]
) -> Execution:
    """The recorded execution with its repeats; failed, the first failure first, when one of them failed."""
    label = execution.space.label
    execution = replace(execution, repeats=repeats[label])
    error = failures.get(label) or _other_work(execution)
    if error is None:
        return execution
    return execution.failing(f"{error}; the recorded one: {execution.error}" if execution.failed else error)


def _other_work(execution: Execution) -> str | None:
    """A repeat that wrote other rows than the recorded execution timed other work (a side
    noticing it is rolled back, say): its timings cannot stand beside the recorded ones."""
    if execution.result is None:
        return None
    recorded = [(p.name, p.rows) for p in execution.result.phases]
    for i, repeat in enumerate(execution.repeats, start=1):
        written = [(p.name, p.rows) for p in repeat.phases]
        if written != recorded:
            return (
                f"repeat {i} wrote other rows than the recorded execution ({written} vs {recorded}): "
                "its timings are not of the same work"
            )
    return None


def _accepted(config: Config, recorded: tuple[Comparison, ...]) -> list[dict[str, object]]:
    bodies = [c.to_body() for c in recorded]
    return list(comparisons.summarize_accepted(config.accepted_differences, bodies))
