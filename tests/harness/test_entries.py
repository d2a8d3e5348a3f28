"""Typed ledger entries: every run state renders, and a ledger written before them still does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from harness import ledger
from harness.errors import LedgerError
from harness.history import run_document
from harness.ledger.entries import SCHEMA_VERSION, RunFinished, SideExecution, read_entry
from reports.schema import validate_document
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small
from tests.helpers import invoke

Conn = psycopg.Connection[tuple[Any, ...]]
FIXTURE_LEDGER = Path(__file__).parent / "fixtures" / "ledger-v1.json"


def load_rows(conn: Conn, rows: list[dict[str, Any]]) -> None:
    """Stored entries exactly as another harness wrote them (hashes included)."""
    ledger.ensure_ledger(conn)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO harness.entry (seq, run_id, kind, body, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s)",
            [(r["seq"], r["run_id"], r["kind"], r["body"], r["prev_hash"], r["hash"]) for r in rows],
        )


def test_a_ledger_written_before_typed_entries_still_renders(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = json.loads(FIXTURE_LEDGER.read_text(encoding="utf-8"))
    with db.connect() as conn:
        load_rows(conn, rows)
        assert ledger.verify_chain(conn)[1] == []
    completed, killed = dict.fromkeys(r["run_id"] for r in rows)
    for run_id, label in ((completed, "READY"), (killed, "INCOMPLETE")):
        with db.connect() as conn:
            doc = run_document(conn, run_id)
        assert validate_document(doc) == []
        assert doc["verdict"]["label"] == label
        result = invoke(capsys, "report", run_id, "--dsn", db.uri, "--out", str(tmp_path / run_id))
        assert result.code == (0 if label == "READY" else 1), result.err
        assert (tmp_path / run_id / "report.html").is_file()


def test_old_bodies_are_upgraded_and_new_ones_carry_their_version() -> None:
    old = {"business_date": "2024-03-01", "label": "control", "side": "legacy", "status": "OK", "error": None}
    old |= {"seconds": 1.0, "phases": [], "logged_phases": [], "exports": []}
    record = read_entry("execution", old)
    assert isinstance(record, SideExecution) and record.role is None and not record.failed
    assert record.to_body()["schema_version"] == SCHEMA_VERSION
    with pytest.raises(LedgerError, match="newer than this harness"):
        read_entry("execution", {**old, "schema_version": SCHEMA_VERSION + 1})
    with pytest.raises(LedgerError, match="unknown ledger entry kind"):
        read_entry("mystery", {})


def _rewrite(conn: Conn, bodies: list[tuple[str, dict[str, Any]]], run_id: str) -> None:
    conn.execute("ALTER TABLE harness.entry DISABLE TRIGGER USER")
    conn.execute("DELETE FROM harness.entry")
    conn.execute("ALTER TABLE harness.entry ENABLE TRIGGER USER")
    ledger.append_bodies(conn, run_id, bodies)


@pytest.mark.parametrize(
    ("state", "label"),
    [
        ("completed", "READY"),
        ("started only", "INCOMPLETE"),
        ("killed after the last date", "INCOMPLETE"),
        ("interrupted", "NOT READY"),
        ("failed", "NOT READY"),
    ],
)
def test_every_run_state_gives_a_valid_document_and_a_report(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str], state: str, label: str
) -> None:
    seed_small(db, per_day=10)
    run_state, _ = run(db, config_with(tmp_path), tmp_path, dates=DATES[:1])
    with db.connect() as conn:
        bodies = [(e.kind, e.body) for e in ledger.entries(conn, run_state.run_id)]
        if state == "started only":
            bodies = bodies[:1]
        elif state == "killed after the last date":
            bodies = bodies[:-1]
        elif state in ("interrupted", "failed"):
            kind, body = bodies[-1]
            bodies[-1] = (kind, RunFinished.from_body({**body, "status": state}).to_body())
        _rewrite(conn, bodies, run_state.run_id)
        doc = run_document(conn, run_state.run_id)
    assert validate_document(doc) == []
    assert doc["verdict"]["label"] == label
    result = invoke(capsys, "report", run_state.run_id, "--dsn", db.uri, "--out", str(tmp_path / "r"))
    assert result.code == (0 if label == "READY" else 1), result.err
    assert "Traceback" not in result.err
    assert (tmp_path / "r" / "report.html").is_file()
