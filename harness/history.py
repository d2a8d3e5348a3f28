"""Read runs back from the ledger: list them, rebuild one's document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.database import Connection
from harness.ledger.runs import NO_RUNS, latest_run_id, read_run, read_runs
from harness.rundoc import build_document

__all__ = ["NO_RUNS", "RunSummary", "all_documents", "latest_run_id", "run_document", "summaries"]


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started_at: str
    status: str
    dates: list[str]
    verdict: str
    counts: dict[str, int]
    # sha256 of all SQL each side executes (provenance side_record): tells runs of other SQL apart
    control_sha256: str
    candidate_sha256: str
    cutover: str | None = None  # a published cutover date: "CLEAN, published enhanced"

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def run_document(conn: Connection, run_id: str) -> dict[str, Any]:
    """One run's document, its trend against the runs before it, from one read of the ledger."""
    records = read_runs(conn)
    for i, record in enumerate(records):
        if record.run_id == run_id:
            return build_document(record, earlier=records[:i])
    return build_document(read_run(conn, run_id))  # raises RunNotFound in the ledger's words


def all_documents(conn: Connection) -> list[dict[str, Any]]:
    """Every run's document, oldest first, from one read of the ledger."""
    records = read_runs(conn)
    return [build_document(record, earlier=records[:i]) for i, record in enumerate(records)]


def summaries(conn: Connection) -> list[RunSummary]:
    return [
        RunSummary(
            doc["run"]["run_id"],
            doc["run"]["started_at"],
            doc["run"]["status"],
            doc["run"]["dates"],
            doc["verdict"]["label"],
            doc["verdict"]["counts"],
            _sql_sha256(doc, "control"),
            _sql_sha256(doc, "candidate"),
            _cutover(doc),
        )
        for doc in all_documents(conn)
    ]


def _cutover(doc: dict[str, Any]) -> str | None:
    cutover = doc.get("cutover")
    return f"{cutover['verdict']}, published {cutover['side']}" if cutover else None


def _sql_sha256(doc: dict[str, Any], label: str) -> str:
    """The side's SQL hash as the run recorded it ("" if the document has none)."""
    return str((doc.get("sides") or {}).get(label, {}).get("sql_sha256") or "")
