"""Read runs back from the ledger: list them, rebuild one's document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from harness import ledger
from harness.errors import RunNotFound
from harness.rundoc import build_document

Connection = psycopg.Connection[tuple[Any, ...]]


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
    finished = [e for e in entries if e.kind == "run_finished"]
    accepted = finished[-1].body.get("accepted_differences", []) if finished else []
    return build_document(entries, accepted)


def summaries(conn: Connection) -> list[RunSummary]:
    out = []
    for run_id in run_ids(conn):
        doc = run_document(conn, run_id)
        run = doc["run"]
        out.append(
            RunSummary(
                run_id,
                run["started_at"],
                run["status"],
                run["dates"],
                doc["verdict"]["label"],
                doc["verdict"]["counts"],
            )
        )
    return out


def latest_run_id(conn: Connection) -> str:
    ids = run_ids(conn)
    if not ids:
        raise RunNotFound("the ledger holds no runs yet; start one with 'harness run'")
    return ids[-1]
