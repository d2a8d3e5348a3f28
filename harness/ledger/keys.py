"""Every differing key of a run's comparisons, kept in the ledger database.

A comparison streams its complete list of differing keys (comparisons.keylist) from the
reader's connection; ``KeyRecorder.sink`` pipes those COPY chunks, as they come, into
``COPY ... FROM STDIN`` on the harness's own connection, into a staging table, then into
``harness.differing_key`` (schema.sql) in one transaction that first removes the list an
earlier attempt at the same run, scope, date and entity left. ``key_lists`` streams a run's
lists back out as CSV for the reports. Neither direction holds the list in Python.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any

from psycopg import sql

from comparisons.keylist import COLUMNS, KeySink
from harness.database import Connection
from harness.errors import LedgerError
from harness.fingerprint import fingerprint

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
    # (entity, date) -> the fingerprint of the list just recorded, for its comparison entry
    recorded: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def books(self) -> KeyRecorder:
        return replace(self, scope=BOOKS)

    def sink(self, entity: str, width: int, day: date) -> KeySink:
        """The sink of one entity and date's list (``width``: the parts of its key)."""
        return partial(_record, self, entity, width, day)


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
        found = fingerprint(conn, "harness", "differing_key", WHERE, values)
    recorder.recorded[(entity, day.isoformat())] = found.to_dict()


# The rows of one list: what a comparison entry's key_list fingerprints (harness.fingerprint).
WHERE = sql.SQL("run_id = %(run)s AND scope = %(scope)s AND business_date = %(day)s AND entity = %(entity)s")


# Every recorded list's fingerprint in one pass (as harness.fingerprint computes one).
FINGERPRINTS = sql.SQL("""
SELECT run_id, scope, business_date::text, entity, count(*),
       sum(('x' || left(md5(t::text), 15))::bit(60)::bigint)
FROM harness.differing_key AS t {}
GROUP BY 1, 2, 3, 4
""")
EMPTY = {"rows": 0, "digest": f"{0:016x}"}


def _fingerprints(conn: Connection, run_id: str | None) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    where = sql.SQL("WHERE run_id = {}").format(sql.Literal(run_id)) if run_id else sql.SQL("")
    return {
        (str(r), str(s), str(d), str(e)): {"rows": int(n), "digest": f"{int(h) % (1 << 64):016x}"}
        for r, s, d, e, n, h in conn.execute(FINGERPRINTS.format(where)).fetchall()
    }


def list_problems(
    conn: Connection,
    run_id: str,
    comparisons: list[dict[str, Any]],
    found: dict[tuple[str, str, str, str], dict[str, Any]] | None = None,
) -> list[str]:
    """Each recorded list of the run's ``comparisons`` that no longer has the fingerprint its
    ledger entry recorded (altered, added to or emptied since); ``found``: the lists'
    fingerprints when the caller has them already."""
    found = _fingerprints(conn, run_id) if found is None else found
    problems = []
    for c in comparisons:
        if c.get("key_list") is None:
            continue
        scope = BOOKS if c.get("scope") == BOOKS else DATE
        now = found.get((run_id, scope, c["business_date"], c["entity"]), EMPTY)
        if now != c["key_list"]:
            problems.append(
                f"the differing keys of {c['entity']} on {c['business_date']} ({scope}) were altered since "
                f"run {run_id} recorded them: {now['rows']} rows now, {c['key_list']['rows']} recorded"
            )
    return problems


def recorded_list_problems(conn: Connection) -> list[tuple[int, str]]:
    """(seq, problem) for every comparison entry of the ledger whose list was altered."""
    if not _table_exists(conn):
        return []
    rows = conn.execute(
        "SELECT seq, run_id, body FROM harness.entry "
        "WHERE kind = 'comparison' AND jsonb_typeof(body::jsonb -> 'key_list') = 'object' ORDER BY seq"
    ).fetchall()
    found = _fingerprints(conn, None)
    return [
        (int(seq), problem)
        for seq, run_id, body in rows
        for problem in list_problems(conn, str(run_id), [json.loads(body)], found)
    ]


def _table_exists(conn: Connection) -> bool:
    row = conn.execute("SELECT to_regclass('harness.differing_key') IS NOT NULL").fetchone()
    return bool(row and row[0])


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
        mine = [c for c in doc["comparisons"] if c["entity"] == entity]
        if problems := list_problems(conn, run_id, mine):
            raise LedgerError(f"{problems[0]}; nothing written: run 'harness verify-ledger'")
        return _stream(conn, run_id, entity, keys[entity])

    return read


def _recorded(conn: Connection, run_id: str, entity: str) -> bool:
    if not _table_exists(conn):
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
