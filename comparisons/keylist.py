"""The complete list of an entity's differing keys, streamed out of PostgreSQL.

The counts are exact because every non-equal key is classified in SQL (comparisons.classify)
and covered in SQL (comparisons.covering); this lists those same keys, one line each, while
the comparison's temp tables still exist. It is a ``COPY (SELECT ...) TO STDOUT`` in text
format (tab-separated, ``\\N`` for NULL, one row a line) with these columns:

  the key columns (as text, named as the entity's key), ``kind`` (different | invalid_json |
  control_only | candidate_only | duplicate_key), ``differing`` (the differing compared
  columns joined by ';'; empty for a missing row or a duplicate key) and ``accepted_by``
  (the accepted entry covering the key, NULL when unexplained),

in key order. Keys equal once normalized or within tolerance are not differences and are
not listed, so the lines add up to ``accepted + unexplained`` of the result's counts. The
chunks go to the caller's ``KeySink`` as they arrive: nothing is held in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from importlib.resources import files

import psycopg
from psycopg import sql

from comparisons.errors import EntityQueryError, first_line
from comparisons.work import EntityWork, key_alias

KEY_LIST_FILE = "sql/key_list.sql"
COLUMNS = ("kind", "differing", "accepted_by")  # after the key columns

KeySink = Callable[[Iterator[bytes]], None]
"""Receives the COPY chunks (one row each, text format) of one entity and date; it must
consume them before it returns (whatever it leaves is read and dropped)."""


@cache
def _template() -> str:
    return files("comparisons").joinpath(KEY_LIST_FILE).read_text(encoding="utf-8")


def key_list_query(work: EntityWork) -> sql.Composed:
    """The SELECT of the list (see the module docs), over the comparison's temp tables."""
    names = [c.name for c in work.plan.key]
    keys = sql.SQL(", ").join(
        sql.SQL("CAST(i.{} AS text) AS {}").format(sql.Identifier(key_alias(i)), sql.Identifier(name))
        for i, name in enumerate(names)
    )
    order = sql.SQL(", ").join(
        sql.SQL("i.{}").format(sql.Identifier(key_alias(i))) for i in range(len(names))
    )
    return sql.SQL(_template()).format(
        keys=keys, order=order, ids=work.temps.identifier("ids"), rows=work.temps.identifier("rows")
    )


def stream_key_list(work: EntityWork, sink: KeySink, *, any_difference: bool) -> None:
    """Send the list to ``sink``; with no non-equal key (no classification tables) it gets
    no chunk at all, so a sink replacing an earlier list still empties it."""
    if not any_difference:
        sink(iter(()))
        return
    statement = sql.SQL("COPY ({}) TO STDOUT").format(key_list_query(work))
    try:
        with work.conn.cursor() as cur, cur.copy(statement) as copy:
            chunks = (bytes(data) for data in copy)
            sink(chunks)
            for _ in chunks:  # whatever the sink left unread
                pass
    except psycopg.Error as exc:
        raise EntityQueryError(
            f"{work.spec.name}: listing the differing keys failed: {first_line(exc)}"
        ) from exc
