"""Every differing key of a run's comparisons, kept in the ledger database.

A comparison streams its complete list of differing keys (comparisons.keylist) from the
reader's connection; ``KeyRecorder.sink`` pipes those COPY chunks, as they come, into
``COPY ... FROM STDIN`` on the harness's own connection, into a staging table, then into
``harness.differing_key`` (schema.sql) in one transaction that first removes the list an
earlier attempt at the same run, scope, date and entity left. ``key_lists`` streams a run's
lists back out as CSV for the reports. Neither direction holds the list in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Any

from psycopg import sql

from comparisons.keylist import COLUMNS, KeySink
from harness.database import Connection

DATE, BOOKS = "date", "books"
STAGING = "harness_differing_key_in"
TABLE = sql.Identifier("harness", "differing_key")
KeyLists = Callable[[str], Iterator[bytes] | None]


@dataclass(frozen=True)
class KeyRecorder:
    """Where the run's comparisons record their key lists: the admin connection, the run."""

    conn: Connection
    run_id: str
    scope: str = DATE

    def books(self) -> KeyRecorder:
        return replace(self, scope=BOOKS)

    def sink(self, entity: str, width: int, day: date) -> KeySink:
        """The sink of one entity and date's list (``width``: the parts of its key)."""
        return partial(_record, self, entity, width, day)


_recording: ContextVar[KeyRecorder | None] = ContextVar("harness_key_recorder", default=None)


@contextmanager
def recording(recorder: KeyRecorder) -> Iterator[None]:
    """Within the block, harness.reconcile.compare_entity records to ``recorder`` when its
    caller passes none (so compare_date's comparisons record without a parameter of theirs)."""
    token = _recording.set(recorder)
    try:
        yield
    finally:
        _recording.reset(token)


def current_recorder() -> KeyRecorder | None:
    return _recording.get()


STAGE = sql.SQL("""
CREATE TEMP TABLE {staging} (
    line bigint GENERATED ALWAYS AS IDENTITY, {parts} kind text, differing text, accepted_by text
) ON COMMIT DROP
""")
REPLACE = sql.SQL("""
DELETE FROM {table} WHERE run_id = {run} AND scope = {scope} AND business_date = {day} AND entity = {entity};
INSERT INTO {table} (run_id, scope, business_date, entity, line, key, kind, differing, accepted_by)
SELECT {run}, {scope}, {day}, {entity}, line, CAST(ARRAY[{keys}] AS text[]), kind,
       coalesce(differing, ''), accepted_by
FROM {staging}
""")


def _record(recorder: KeyRecorder, entity: str, width: int, day: date, chunks: Iterator[bytes]) -> None:
    conn = recorder.conn
    parts = [sql.Identifier(f"k{i}") for i in range(width)]
    staging = sql.Identifier("pg_temp", STAGING)
    columns = sql.SQL(", ").join([*parts, *map(sql.Identifier, COLUMNS)])
    with conn.transaction():
        conn.execute(
            STAGE.format(
                staging=staging, parts=sql.SQL("").join(sql.SQL("{} text,").format(p) for p in parts)
            )
        )
        with (
            conn.cursor() as cur,
            cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(staging, columns)) as copy,
        ):
            for chunk in chunks:
                copy.write(chunk)
        values = {"run": recorder.run_id, "scope": recorder.scope, "day": day, "entity": entity}
        conn.execute(
            REPLACE.format(
                table=TABLE,
                staging=staging,
                keys=sql.SQL(", ").join(parts),
                **{name: sql.Literal(value) for name, value in values.items()},
            )
        )


def key_lists(conn: Connection, doc: dict[str, Any]) -> KeyLists:
    """Entity -> its recorded list over the run's dates as CSV (header, then a line per key:
    business_date, entity, the key columns, kind, differing, accepted_by), streamed from
    the ledger database; None for an entity none was recorded of (a run recorded before
    the lists were)."""
    run_id = doc["run"]["run_id"]
    keys = {c["entity"]: list(c["key"]) for c in doc["comparisons"]}

    def read(entity: str) -> Iterator[bytes] | None:
        if entity not in keys or not _recorded(conn, run_id, entity):
            return None
        return _stream(conn, run_id, entity, keys[entity])

    return read


def _recorded(conn: Connection, run_id: str, entity: str) -> bool:
    table = conn.execute("SELECT to_regclass('harness.differing_key') IS NOT NULL").fetchone()
    if not (table and table[0]):
        return False  # a ledger from before the lists were recorded
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM harness.differing_key "
        "WHERE run_id = %s AND scope = %s AND entity = %s)",
        (run_id, DATE, entity),
    ).fetchone()
    return bool(row and row[0])


def _stream(conn: Connection, run_id: str, entity: str, key: list[str]) -> Iterator[bytes]:
    parts = sql.SQL("").join(
        sql.SQL("key[{}] AS {}, ").format(sql.Literal(i + 1), sql.Identifier(name))
        for i, name in enumerate(key)
    )
    query = sql.SQL(
        "SELECT business_date, entity, {}kind, differing, accepted_by FROM {} "
        "WHERE run_id = {} AND scope = {} AND entity = {} ORDER BY business_date, line"
    ).format(parts, TABLE, *(sql.Literal(v) for v in (run_id, DATE, entity)))
    statement = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE *)").format(query)
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for data in copy:
            yield bytes(data)
