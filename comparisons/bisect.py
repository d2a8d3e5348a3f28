"""The ``bisect`` transfer's first pass: bucket checksums on each side's server.

Each side's server returns one checksum (rows, sum of 60 bits of each row's digest) per
bucket of 65,536 buckets of the key (comparisons.canonical.key_bucket), both servers at
once, and the control's server the buckets of keys it holds more than once (unless the catalog proves the key
unique). Only the buckets whose checksums differ, or that hold a repeated key, are then
moved as ``hashes`` moves every row (comparisons.transfer): equal books move about 2 MB a
side whatever their size. A sum of md5 parts, unlike a sum of a linear hash, sees values
traded between keys; two different multisets of rows agree on a bucket's checksum with
probability about 2^-60, and the seed is secret.
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from sqlglot import exp

from comparisons.buckets import Buckets, keyed
from comparisons.canonical import BUCKET_BITS, key_bucket, row_part
from comparisons.expressions import SOURCE
from comparisons.qualify import render
from comparisons.stream import fetch_rows
from comparisons.transfer import Transfer, both, failed, key_names, run_on
from comparisons.uniqueness import key_is_unique


def bucket_pass(work: Transfer, seed: str) -> Buckets:
    """Each side's checksum per bucket; the buckets that differ or hold a repeated key."""

    def checksums(side: int) -> dict[int, tuple[int, str]]:
        version = work.sides[side].info.server_version
        rows = exp.select(
            exp.alias_(key_bucket(work.plan, side, seed), "_b", quoted=True),
            exp.alias_(row_part(work.plan, side, version, seed), "_p", quoted=True),
        ).from_(work.queries[side].subquery(SOURCE))
        statement = sql.SQL(
            'SELECT "_b", pg_catalog.count(*), pg_catalog.sum("_p") FROM ({}) AS u GROUP BY "_b"'
        ).format(sql.SQL(render(rows)))
        return {b: (int(n), s) for b, n, s in _checksum_rows(work, side, statement)}

    found = both(work, checksums)
    differing = {b for b in found[0].keys() | found[1].keys() if found[0].get(b) != found[1].get(b)}
    differing |= _repeated_buckets(work, seed)
    counted = [sum(n for n, _ in side.values()) for side in found]
    return Buckets(counted[0], counted[1], tuple(sorted(differing)), size=1 << BUCKET_BITS)


def _checksum_rows(work: Transfer, side: int, statement: sql.Composed) -> list[tuple[int, str, str]]:
    try:
        return [(int(b), n, s) for b, n, s in fetch_rows(work.sides[side], statement, work.meter)]
    except psycopg.Error as exc:
        raise failed(work, exc) from exc


def _repeated_buckets(work: Transfer, seed: str) -> set[int]:
    """The buckets of keys the control holds twice: equal checksums can still post twice."""
    if key_is_unique(work.sides[0], work.queries[0], work.plan):
        return set()
    rows = exp.select(*keyed(work.plan, 0), exp.alias_(key_bucket(work.plan, 0, seed), "_b", quoted=True))
    rows = rows.from_(work.queries[0].subquery(SOURCE))
    statement = sql.SQL(
        'SELECT DISTINCT "_b" FROM ({}) AS u GROUP BY {}, "_b" HAVING pg_catalog.count(*) > 1'
    )
    found = run_on(work, work.sides[0], statement.format(sql.SQL(render(rows)), key_names(work.plan)))
    return {int(b) for (b,) in found.fetchall()}
