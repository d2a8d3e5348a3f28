"""Tampering with the ledger: readers refuse a broken chain; an anchor catches what the chain cannot."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from harness import cli, ledger
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, seed_small
from tests.helpers import invoke

Conn = psycopg.Connection[tuple[Any, ...]]
Rows = list[tuple[Any, ...]]


@pytest.fixture(scope="module")
def recorded(
    module_db: TestDatabase, tmp_path_factory: pytest.TempPathFactory
) -> tuple[TestDatabase, Path, Rows]:
    """One completed run; its run.json (the anchor) and the ledger's rows as written."""
    seed_small(module_db, per_day=10)
    tmp = tmp_path_factory.mktemp("trust")
    config = config_with(tmp)
    argv = ["run", "--dsn", module_db.uri, "--config", str(config.path), "--quiet", "--dates", str(DATES[0])]
    assert cli.run([*argv, "--out", str(tmp / "out")]) == 0
    with module_db.connect() as conn:
        rows = conn.execute(
            "SELECT seq, run_id, kind, body, prev_hash, hash FROM harness.entry ORDER BY seq"
        ).fetchall()
    return module_db, tmp / "out" / "run.json", rows


@pytest.fixture
def ledger_db(recorded: tuple[TestDatabase, Path, Rows]) -> Iterator[TestDatabase]:
    db, _, rows = recorded
    _restore(db, rows)
    yield db
    _restore(db, rows)


def _restore(db: TestDatabase, rows: Rows) -> None:
    with db.connect() as conn, conn.transaction():
        conn.execute("ALTER TABLE harness.entry DISABLE TRIGGER USER")
        conn.execute("DELETE FROM harness.entry")
        conn.cursor().executemany(
            "INSERT INTO harness.entry (seq, run_id, kind, body, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )
        conn.execute("ALTER TABLE harness.entry ENABLE TRIGGER USER")


def _as_superuser(db: TestDatabase, statement: str) -> None:
    with db.connect() as conn, conn.transaction():
        conn.execute("ALTER TABLE harness.entry DISABLE TRIGGER USER")
        conn.execute(statement)
        conn.execute("ALTER TABLE harness.entry ENABLE TRIGGER USER")


def _rehash_all(db: TestDatabase) -> None:
    """What a tamperer without the key does after editing: recompute the chain from the start."""
    with db.connect() as conn, conn.transaction():
        rows = conn.execute("SELECT seq, run_id, kind, body FROM harness.entry ORDER BY seq").fetchall()
        conn.execute("ALTER TABLE harness.entry DISABLE TRIGGER USER")
        conn.execute("DELETE FROM harness.entry")
        prev = ledger.GENESIS
        for number, (_, run_id, kind, body) in enumerate(rows, start=1):
            digest = ledger.entry_hash(prev, number, run_id, kind, body)
            conn.execute(
                "INSERT INTO harness.entry (seq, run_id, kind, body, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s)",
                (number, run_id, kind, body, prev, digest),
            )
            prev = digest
        conn.execute("ALTER TABLE harness.entry ENABLE TRIGGER USER")


FLIP = "UPDATE harness.entry SET body = replace(body, '\"MATCH\"', '\"MISMATCH\"') WHERE kind = 'comparison'"
DELETE_ONE = (
    "DELETE FROM harness.entry WHERE seq = (SELECT min(seq) FROM harness.entry WHERE kind = 'comparison')"
)


@pytest.mark.parametrize("tamper", [FLIP, DELETE_ONE], ids=["flip a verdict", "delete a comparison"])
@pytest.mark.parametrize("command", ["gate", "show", "report", "history"])
def test_readers_refuse_a_broken_chain(
    ledger_db: TestDatabase, capsys: pytest.CaptureFixture[str], tmp_path: Path, tamper: str, command: str
) -> None:
    _as_superuser(ledger_db, tamper)
    extra = ["--out", str(tmp_path / "r")] if command == "report" else []
    result = invoke(capsys, command, "--dsn", ledger_db.uri, *extra)
    assert result.code == 2, result.out
    assert "hash chain is broken at entry" in result.err
    assert "READY" not in result.out


def _forge(db: TestDatabase) -> None:
    _as_superuser(db, "DELETE FROM harness.entry")
    with db.connect() as conn:
        ledger.append_bodies(conn, "forged", [("run_started", {"forged": True})])


Tamper = Callable[[TestDatabase], None]
AFTER_THE_FACT: dict[str, Tamper] = {
    "delete the last entry": lambda db: _as_superuser(
        db, "DELETE FROM harness.entry WHERE seq = (SELECT max(seq) FROM harness.entry)"
    ),
    "flip and rehash": lambda db: (_as_superuser(db, FLIP), _rehash_all(db)),  # type: ignore[func-returns-value]
    "delete the run, forge another": lambda db: _forge(db),
}


@pytest.mark.parametrize("tamper", AFTER_THE_FACT.values(), ids=AFTER_THE_FACT.keys())
def test_the_anchor_catches_what_the_chain_cannot(
    ledger_db: TestDatabase,
    recorded: tuple[TestDatabase, Path, Rows],
    capsys: pytest.CaptureFixture[str],
    tamper: Tamper,
) -> None:
    run_json = recorded[1]
    assert invoke(capsys, "verify-ledger", "--dsn", ledger_db.uri, "--anchor", str(run_json)).code == 0
    tamper(ledger_db)
    assert invoke(capsys, "verify-ledger", "--dsn", ledger_db.uri).code == 0  # the chain alone is fooled
    run = json.loads(run_json.read_text())["run"]
    for anchor in (str(run_json), f"{run['ledger_seq'][1]}:{run['ledger_hash']}"):
        result = invoke(capsys, "verify-ledger", "--dsn", ledger_db.uri, "--anchor", anchor)
        assert result.code == 1, result.out
        assert "ledger TAMPERED" in result.out


def test_a_keyed_chain_cannot_be_rehashed_without_the_key(
    clean_db: TestDatabase, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with clean_db.connect() as conn:
        ledger.ensure_ledger(conn)
        monkeypatch.setenv(ledger.KEY_VARIABLE, "s3cret-key")
        ledger.append_bodies(
            conn, "r1", [("run_started", {"dates": []}), ("run_finished", {"status": "completed"})]
        )
    assert invoke(capsys, "verify-ledger", "--dsn", clean_db.uri).code == 0
    monkeypatch.delenv(ledger.KEY_VARIABLE)
    _as_superuser(clean_db, 'UPDATE harness.entry SET body = \'{"status": "interrupted"}\' WHERE seq = 2')
    _rehash_all(clean_db)  # without the key
    monkeypatch.setenv(ledger.KEY_VARIABLE, "s3cret-key")
    result = invoke(capsys, "verify-ledger", "--dsn", clean_db.uri)
    assert result.code == 1
    assert "was altered" in result.out
