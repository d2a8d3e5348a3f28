"""The ledger is append-only in the database and its hash chain catches tampering."""

from typing import Any

import psycopg
import pytest

from harness import ledger

Conn = psycopg.Connection[tuple[Any, ...]]


@pytest.fixture
def filled(conn: Conn) -> Conn:
    """A ledger with three entries of run r1: run_started, execution, run_finished."""
    ledger.ensure_ledger(conn)
    ledger.append_bodies(conn, "r1", [("run_started", {"dates": ["2024-03-01"]})])
    ledger.append_bodies(conn, "r1", [("execution", {"seconds": 1.5, "name": 'Zoë "quoted"'})])
    ledger.append_bodies(conn, "r1", [("run_finished", {"status": "completed"})])
    return conn


def test_chain_links_each_entry_to_the_previous(filled: Conn) -> None:
    found = ledger.entries(filled, "r1")
    assert [e.seq for e in found] == [1, 2, 3]
    assert found[0].prev_hash == ledger.GENESIS
    assert [e.prev_hash for e in found[1:]] == [e.hash for e in found[:-1]]
    assert found[1].body == {"seconds": 1.5, "name": 'Zoë "quoted"'}
    assert ledger.verify_chain(filled) == (3, [])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE harness.entry SET body = '{}' WHERE seq = 2",
        "DELETE FROM harness.entry WHERE seq = 3",
        "TRUNCATE harness.entry",
    ],
    ids=["update", "delete", "truncate"],
)
def test_database_refuses_changes(filled: Conn, statement: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        filled.execute(statement)
    assert ledger.verify_chain(filled) == (3, [])


def test_tampered_body_is_caught(filled: Conn) -> None:
    with filled.transaction():
        filled.execute("ALTER TABLE harness.entry DISABLE TRIGGER entry_append_only")
        filled.execute("UPDATE harness.entry SET body = '{\"seconds\":0.1}' WHERE seq = 2")
        filled.execute("ALTER TABLE harness.entry ENABLE TRIGGER entry_append_only")
    checked, problems = ledger.verify_chain(filled)
    assert checked == 3
    assert [(p.seq, p.problem) for p in problems] == [
        (2, "content of this execution entry of run r1 was altered (or written with HARNESS_LEDGER_KEY set)")
    ]


def test_deleted_entry_is_caught(filled: Conn) -> None:
    with filled.transaction():
        filled.execute("ALTER TABLE harness.entry DISABLE TRIGGER entry_append_only")
        filled.execute("DELETE FROM harness.entry WHERE seq = 2")
        filled.execute("ALTER TABLE harness.entry ENABLE TRIGGER entry_append_only")
    _, problems = ledger.verify_chain(filled)
    assert [(p.seq, p.problem) for p in problems] == [
        (2, "entry 2 is missing"),
        (3, "prev_hash does not match the previous entry's hash"),
    ]


def test_ensure_ledger_is_idempotent(filled: Conn) -> None:
    ledger.ensure_ledger(filled)
    assert ledger.verify_chain(filled) == (3, [])
