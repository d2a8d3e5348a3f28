"""Order-independent content fingerprints of tables: a row count and a hash of the rows.

Each row's text form is hashed with md5 and the first 60 bits of every hash are summed,
so the result does not depend on row order or physical layout, only on content (under
the pinned DateStyle and extra_float_digits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

FINGERPRINT = sql.SQL(
    "SELECT count(*), coalesce(sum(('x' || left(md5(t::text), 15))::bit(60)::bigint), 0) FROM {} AS t {}"
)


@dataclass(frozen=True)
class Fingerprint:
    """Row count plus content hash of a table (or a date's slice of it)."""

    rows: int
    digest: str

    def __str__(self) -> str:
        return f"{self.rows} rows, {self.digest}"

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "digest": self.digest}


def fingerprint(
    conn: psycopg.Connection[tuple[Any, ...]],
    schema: str,
    table: str,
    where: sql.Composable | None = None,
    params: dict[str, Any] | None = None,
) -> Fingerprint:
    clause = sql.SQL("WHERE {}").format(where) if where is not None else sql.SQL("")
    query = FINGERPRINT.format(sql.Identifier(schema, table), clause)
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return Fingerprint(int(row[0]), f"{int(row[1]) % (1 << 64):016x}")
