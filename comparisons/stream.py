"""Rows streamed from one server's query into another server's table, with COPY.

The harness relays COPY data (binary format, which built-in types share across
PostgreSQL versions) from one connection to the other as it arrives: no temp files, and
memory bounded by one chunk whatever the row count. A server sends one message a row;
they are written on in chunks of CHUNK bytes (a write per row costs a fifth more time).
Every byte relayed is counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from comparisons.connection import Connection

CHUNK = 1 << 20


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
) -> int:
    """The rows of ``query`` on ``source`` appended to ``table`` on ``target``; how many."""
    out = sql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(query)
    into = sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(table)
    with source.cursor() as reading, target.cursor() as writing:
        with reading.copy(out) as copy_out, writing.copy(into) as copy_in:
            chunk = bytearray()
            for block in copy_out:
                chunk += block
                if len(chunk) >= CHUNK:
                    copy_in.write(bytes(chunk))
                    _count(meter, len(chunk))
                    chunk.clear()
            copy_in.write(bytes(chunk))
            _count(meter, len(chunk))
        written = writing.rowcount  # COPY's own count of the rows it wrote, once it has ended
    if meter is not None:
        meter.streams += 1
    return written


def _count(meter: Meter | None, relayed: int) -> None:
    if meter is not None:
        meter.bytes += relayed


def fetch_rows(source: Connection, query: sql.Composed, meter: Meter | None = None) -> list[tuple[str, ...]]:
    """A small result (bucket checksums), as text; its bytes counted as COPY would send them.
    A plain query, unlike COPY, may run in parallel on the server."""
    rows = [tuple(str(v) for v in row) for row in source.execute(query).fetchall()]
    if meter is not None:
        meter.streams += 1
        meter.bytes += sum(len("\t".join(r)) + 1 for r in rows)
    return rows
