"""Runs as the ledger holds them: one run's entries, typed and grouped by kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from harness.database import Connection
from harness.errors import RunNotFound
from harness.ledger import Entry, entries, ledger_exists, require_intact
from harness.ledger.entries import (
    Comparison,
    CutoverPublished,
    DateFinished,
    Record,
    RunFinished,
    RunResumed,
    RunStarted,
    RunStatus,
    SideExecution,
)

R = TypeVar("R", bound=Record)
NO_RUNS = "the ledger holds no runs yet; start one with 'harness run'"


@dataclass(frozen=True)
class RunRecord:
    """Everything the ledger holds of one run, in the order it was written."""

    started: RunStarted
    resumed: tuple[RunResumed, ...]
    executions: tuple[SideExecution, ...]
    comparisons: tuple[Comparison, ...]  # of the run's dates
    books: tuple[Comparison, ...]  # of the whole books after the last date, one per entity
    dates: tuple[DateFinished, ...]
    finished: RunFinished | None
    first_seq: int
    last_seq: int
    head_hash: str
    cutover: CutoverPublished | None = None  # the run was a cutover date, and was published

    @property
    def run_id(self) -> str:
        return self.started.run_id

    @property
    def status(self) -> RunStatus:
        return self.finished.status if self.finished else RunStatus.RUNNING

    @classmethod
    def from_entries(cls, run_entries: list[Entry]) -> RunRecord:
        records = [e.record for e in run_entries]
        started = _only(records, RunStarted)
        if not started:
            raise RunNotFound(f"run {run_entries[0].run_id!r} has no run_started entry")
        finished = _only(records, RunFinished)
        return cls(
            started=started[0],
            resumed=tuple(_only(records, RunResumed)),
            executions=tuple(_only(records, SideExecution)),
            comparisons=tuple(c for c in _only(records, Comparison) if not c.whole_books),
            books=_latest_books(_only(records, Comparison)),
            dates=tuple(_only(records, DateFinished)),
            finished=finished[-1] if finished else None,
            first_seq=run_entries[0].seq,
            last_seq=run_entries[-1].seq,
            head_hash=run_entries[-1].hash,
            cutover=next(iter(_only(records, CutoverPublished)), None),
        )


def _latest_books(comparisons: list[Comparison]) -> tuple[Comparison, ...]:
    """A resumed run may compare its books again; the latest result per entity stands."""
    return tuple({c.entity: c for c in comparisons if c.whole_books}.values())


def _only(records: list[Record], kind: type[R]) -> list[R]:
    return [r for r in records if isinstance(r, kind)]


def run_ids(conn: Connection) -> list[str]:
    """Ids of every run, oldest first."""
    if not ledger_exists(conn):
        return []
    rows = conn.execute("SELECT run_id FROM harness.entry WHERE kind = 'run_started' ORDER BY seq").fetchall()
    return [str(r[0]) for r in rows]


def read_run(conn: Connection, run_id: str) -> RunRecord:
    """One run, from a ledger verified first."""
    require_intact(conn)
    found = entries(conn, run_id) if ledger_exists(conn) else []
    if not any(e.kind == "run_started" for e in found):
        raise RunNotFound(f"no run {run_id!r} in the ledger; 'harness history' lists the runs")
    return RunRecord.from_entries(found)


def read_runs(conn: Connection) -> list[RunRecord]:
    """Every run, oldest first, from one read of a ledger verified first."""
    require_intact(conn)
    by_run: dict[str, list[Entry]] = {}
    for entry in entries(conn) if ledger_exists(conn) else []:
        by_run.setdefault(entry.run_id, []).append(entry)
    return [RunRecord.from_entries(e) for e in by_run.values() if e[0].kind == "run_started"]


def published_dates(conn: Connection) -> dict[tuple[str, str], tuple[str, CutoverPublished]]:
    """(books schema, business date) -> (run id, cutover entry) of every published cutover
    date, from a ledger verified first."""
    require_intact(conn)
    if not ledger_exists(conn):
        return {}
    found = {}
    for entry in entries(conn):
        if isinstance(entry.record, CutoverPublished):
            found[(entry.record.books_schema, entry.record.business_date)] = (entry.run_id, entry.record)
    return found


def latest_run_id(conn: Connection) -> str:
    ids = run_ids(conn)
    if not ids:
        raise RunNotFound(NO_RUNS)
    return ids[-1]
