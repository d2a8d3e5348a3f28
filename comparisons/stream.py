"""Rows streamed from one server's query into another server's table, with COPY.

The harness relays COPY blocks (binary format, which built-in types share across
PostgreSQL versions) from one connection to the other as they arrive: no temp files, and
memory bounded by one block whatever the row count. Every byte relayed is counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from comparisons.connection import Connection


@dataclass
class Meter:
    """Bytes relayed between servers (a running total, not a result)."""

    bytes: int = 0
    streams: int = 0


def copy_between(
    source: Connection,
    query: sql.Composable,
    target: Connection,
    table: sql.Composable,
    meter: Meter | None = None,
) -> None:
    """The rows of ``query`` on ``source`` appended to ``table`` on ``target``."""
    out = sql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(query)
    into = sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(table)
    with (
        source.cursor() as reading,
        target.cursor() as writing,
        reading.copy(out) as copy_out,
        writing.copy(into) as copy_in,
    ):
        for block in copy_out:
            copy_in.write(block)
            if meter is not None:
                meter.bytes += len(block)
    if meter is not None:
        meter.streams += 1


def copy_rows(source: Connection, query: sql.Composable, meter: Meter | None = None) -> list[tuple[str, ...]]:
    """A small result (bucket checksums) read through COPY, so its bytes are counted too."""
    out = sql.SQL("COPY ({}) TO STDOUT").format(query)
    rows = []
    with source.cursor() as reading, reading.copy(out) as copy_out:
        for row in copy_out.rows():
            rows.append(tuple(str(v) for v in row))
    if meter is not None:
        meter.streams += 1
        meter.bytes += sum(len("\t".join(r)) + 1 for r in rows)
    return rows
