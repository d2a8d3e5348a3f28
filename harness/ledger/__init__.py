"""The run ledger: append-only, hash-chained history of every run, in schema ``harness``.

Every fact is one entry (kind + canonical JSON body). A run is the sequence of its
entries: ``run_started``, one ``execution`` per date and side, ``comparison`` results per
date and entity, and ``run_finished``. Reports are rendered from these entries alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import psycopg
from psycopg import sql

from harness.database import Connection
from harness.errors import LedgerError
from harness.ledger.entries import Record, read_entry

LEDGER_SCHEMA = "harness"
GENESIS = "0" * 64
KEY_VARIABLE = "HARNESS_LEDGER_KEY"
SETUP_LOCK = 72_616_101  # advisory lock key serialising the ledger's creation
# Appends lock the entry table itself: no side can take that lock (it has no privilege on
# the table), so a side holding advisory locks can never block the ledger.
APPEND_LOCK = "LOCK TABLE harness.entry IN SHARE ROW EXCLUSIVE MODE"
LOCK_TIMEOUT = "SELECT set_config('lock_timeout', '30s', true)"


@dataclass(frozen=True)
class Entry:
    seq: int
    run_id: str
    kind: str
    body: dict[str, Any]
    prev_hash: str
    hash: str
    written_at: str = ""

    @property
    def record(self) -> Record:
        """The typed, upgraded record this entry holds."""
        return read_entry(self.kind, self.body)


def canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def ledger_key() -> bytes | None:
    """HARNESS_LEDGER_KEY: with it the chain is HMAC-SHA256, so no one without it can rehash."""
    key = os.environ.get(KEY_VARIABLE)
    return key.encode() if key else None


def entry_hash(prev_hash: str, seq: int, run_id: str, kind: str, body_text: str) -> str:
    material = "\x1f".join((prev_hash, str(seq), run_id, kind, body_text)).encode()
    key = ledger_key()
    if key:
        return hmac.new(key, material, hashlib.sha256).hexdigest()
    return hashlib.sha256(material).hexdigest()


def ensure_ledger(conn: Connection) -> None:
    """Create the ledger schema and table if missing (idempotent)."""
    with conn.transaction():
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(LEDGER_SCHEMA)))
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(LEDGER_SCHEMA)))
        conn.execute(LOCK_TIMEOUT)
        _locked(conn, "SELECT pg_advisory_xact_lock(%s)", (SETUP_LOCK,))
        conn.execute(files("harness.ledger").joinpath("schema.sql").read_text(encoding="utf-8").encode())


def ledger_exists(conn: Connection) -> bool:
    row = conn.execute("SELECT to_regclass('harness.entry') IS NOT NULL").fetchone()
    return bool(row and row[0])


def _locked(conn: Connection, statement: str, params: tuple[Any, ...] | None = None) -> None:
    try:
        conn.execute(statement, params)
    except psycopg.errors.LockNotAvailable as exc:
        raise LedgerError(
            "the ledger is locked by another session for more than 30 s; "
            "see pg_locks for who holds it, then retry"
        ) from exc


def append(conn: Connection, run_id: str, record: Record) -> Entry:
    """Append one record at the end of the chain, atomically."""
    return append_all(conn, run_id, [record])[0]


def append_all(conn: Connection, run_id: str, records: Sequence[Record]) -> list[Entry]:
    """Append records in order, all or none: one lock, one read of the chain's end."""
    return append_bodies(conn, run_id, [(str(r.KIND), r.to_body()) for r in records])


def append_bodies(conn: Connection, run_id: str, items: Sequence[tuple[str, dict[str, Any]]]) -> list[Entry]:
    """Append raw (kind, body) pairs: for fixtures and tools; the harness appends records."""
    with conn.transaction():
        conn.execute(LOCK_TIMEOUT)
        _locked(conn, APPEND_LOCK)
        last = conn.execute(
            "SELECT seq, hash, prev_hash, run_id, kind, body FROM harness.entry ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        if last and entry_hash(last[2], int(last[0]), last[3], last[4], last[5]) != last[1]:
            raise LedgerError(_mode_mismatch(int(last[0])))
        seq, prev = (int(last[0]), str(last[1])) if last else (0, GENESIS)
        rows = []
        for kind, body in items:
            seq, text = seq + 1, canonical(body)
            digest = entry_hash(prev, seq, run_id, kind, text)
            rows.append((seq, run_id, kind, text, prev, digest))
            prev = digest
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO harness.entry (seq, run_id, kind, body, prev_hash, hash) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                rows,
            )
    return [
        Entry(seq, run, kind, json.loads(text), prev, digest) for seq, run, kind, text, prev, digest in rows
    ]


def entries(conn: Connection, run_id: str | None = None) -> list[Entry]:
    where = sql.SQL("WHERE run_id = %s") if run_id else sql.SQL("")
    query = sql.SQL(
        "SELECT seq, run_id, kind, body, prev_hash, hash, written_at::text FROM harness.entry {} ORDER BY seq"
    ).format(where)
    rows = conn.execute(query, (run_id,) if run_id else None).fetchall()
    return [Entry(int(r[0]), r[1], r[2], json.loads(r[3]), r[4], r[5], r[6]) for r in rows]


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def _mode_mismatch(seq: int) -> str:
    mode = "with" if ledger_key() else "without"
    return (
        f"the ledger's last entry ({seq}) does not verify {mode} {KEY_VARIABLE}: it was altered, or the "
        f"ledger is keyed differently; run 'harness verify-ledger' (a ledger is keyed from its first entry)"
    )


def verify_chain(conn: Connection) -> tuple[int, list[ChainProblem]]:
    """Recompute every hash; returns (entries checked, problems found)."""
    rows = conn.execute(
        "SELECT seq, run_id, kind, body, prev_hash, hash FROM harness.entry ORDER BY seq"
    ).fetchall()
    problems, expected_prev, expected_seq = [], GENESIS, 1
    for seq, run_id, kind, body, prev, digest in rows:
        if seq != expected_seq:
            problems.append(ChainProblem(expected_seq, f"entry {expected_seq} is missing"))
        if prev != expected_prev:
            problems.append(ChainProblem(seq, "prev_hash does not match the previous entry's hash"))
        if entry_hash(prev, seq, run_id, kind, body) != digest:
            hint = "" if ledger_key() else f" (or written with {KEY_VARIABLE} set)"
            problems.append(
                ChainProblem(seq, f"content of this {kind} entry of run {run_id} was altered{hint}")
            )
        expected_prev, expected_seq = digest, seq + 1
    return len(rows), problems


def require_intact(conn: Connection) -> None:
    """Refuse to read a ledger whose chain is broken: no verdict may come from altered history."""
    if not ledger_exists(conn):
        return
    checked, problems = verify_chain(conn)
    if problems:
        first = problems[0]
        raise LedgerError(
            f"the ledger's hash chain is broken at entry {first.seq} ({first.problem}; "
            f"{len(problems)} problem(s) in {checked} entries); nothing read from it can be trusted: "
            "run 'harness verify-ledger' and restore the ledger from a backup"
        )


@dataclass(frozen=True)
class Anchor:
    """A chain head kept outside the database: the entry at ``seq`` has hash ``digest``."""

    seq: int
    digest: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.digest}"


def anchor_problem(conn: Connection, anchor: Anchor) -> str | None:
    """Why the ledger does not contain ``anchor`` unchanged, or None if it does."""
    row = conn.execute("SELECT hash FROM harness.entry WHERE seq = %s", (anchor.seq,)).fetchone()
    if row is None:
        return f"entry {anchor.seq} of the anchor is gone: the ledger was truncated"
    if row[0] != anchor.digest:
        return f"entry {anchor.seq} no longer has the anchored hash: the ledger was rewritten up to it"
    return None


def head(conn: Connection) -> Anchor | None:
    row = conn.execute("SELECT seq, hash FROM harness.entry ORDER BY seq DESC LIMIT 1").fetchone()
    return Anchor(int(row[0]), str(row[1])) if row else None
