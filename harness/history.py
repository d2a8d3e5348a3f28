"""Read runs back from the ledger: list them, rebuild one's document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from harness import ledger
from harness.errors import RunNotFound
from harness.rundoc import build_document

Connection = psycopg.Connection[tuple[Any, ...]]
NO_RUNS = "the ledger holds no runs yet; start one with 'harness run'"


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started_at: str
    status: str
    dates: list[str]
    verdict: str
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def run_ids(conn: Connection) -> list[str]:
    if not ledger.ledger_exists(conn):
        return []
    rows = conn.execute("SELECT run_id FROM harness.entry WHERE kind = 'run_started' ORDER BY seq").fetchall()
    return [str(r[0]) for r in rows]


def run_document(conn: Connection, run_id: str) -> dict[str, Any]:
    entries = ledger.entries(conn, run_id) if ledger.ledger_exists(conn) else []
    if not any(e.kind == "run_started" for e in entries):
        raise RunNotFound(f"no run {run_id!r} in the ledger; 'harness history' lists the runs")
    return _document(entries)


def all_documents(conn: Connection) -> list[dict[str, Any]]:
    """Every run's document, oldest first, from one read of the ledger."""
    by_run: dict[str, list[ledger.Entry]] = {}
    for entry in ledger.entries(conn) if ledger.ledger_exists(conn) else []:
        by_run.setdefault(entry.run_id, []).append(entry)
    return [_document(entries) for entries in by_run.values() if entries[0].kind == "run_started"]


def _document(entries: list[ledger.Entry]) -> dict[str, Any]:
    finished = [e for e in entries if e.kind == "run_finished"]
    accepted = finished[-1].body.get("accepted_differences", []) if finished else []
    return build_document(entries, accepted)


def summaries(conn: Connection) -> list[RunSummary]:
    return [
        RunSummary(
            doc["run"]["run_id"],
            doc["run"]["started_at"],
            doc["run"]["status"],
            doc["run"]["dates"],
            doc["verdict"]["label"],
            doc["verdict"]["counts"],
        )
        for doc in all_documents(conn)
    ]


def latest_run_id(conn: Connection) -> str:
    ids = run_ids(conn)
    if not ids:
        raise RunNotFound(NO_RUNS)
    return ids[-1]
