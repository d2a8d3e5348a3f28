"""Stage 1 across two servers: which rows differ, found by moving digests, not rows.

With the sides on different servers no statement sees both, so the harness moves what it
must between them (comparisons.stream), in one of two ways:

``hashes`` (the default): each side's server computes (key, row digest) of every row
(comparisons.canonical); both streams land in temp tables of the comparison's session,
where one GROUP BY on the key settles every key with one row per side and equal digests.
The other keys' digests go back to each side's server, which returns those rows whole.

``bisect`` (servers far apart): each side's server first returns one checksum (rows, sum
of digests) per bucket of 65,536 buckets of the key's digest, and the control's server
the buckets of keys it holds more than once; only the buckets whose checksums differ, or
that hold a repeated key, are then moved as in ``hashes``. Equal books move about 2 MB a
side whatever their size. Unlike reladiff's hashdiff, the counts stay exact: every key
of the differing buckets is classified, and repeated keys are found even when both
sides repeat them alike.

Each side is read in one REPEATABLE READ transaction: its digests and the rows fetched
after them are of the same snapshot.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import psycopg
from psycopg import sql
from sqlglot import exp

from comparisons.buckets import BUCKETS, Buckets, keyed
from comparisons.canonical import key_bucket, row_digest, row_part
from comparisons.connection import Connection
from comparisons.errors import EntityQueryError, first_line
from comparisons.expressions import SOURCE, json_function_sql, needs_json_function
from comparisons.plan import Plan
from comparisons.qualify import catalog_call, render
from comparisons.stream import Meter, copy_between, copy_rows
from comparisons.uniqueness import key_is_unique
from comparisons.work import TempTables, key_alias

DIGEST = "_harness_h"
UNBOUNDED = {1042: "pg_catalog.bpchar", 1560: "pg_catalog.varbit"}
TYPE_NAMES = (
    "SELECT pg_catalog.format_type(t, NULL) "
    "FROM pg_catalog.unnest(%s::oid[]) WITH ORDINALITY AS u (t, i) ORDER BY i"
)


@dataclass(frozen=True)
class Settled:
    """What the transfer settled before the rows it fetched are compared."""

    control_rows: int
    candidate_rows: int
    equal: int  # keys with one row per side and equal digests
    rows: tuple[exp.Query, exp.Query]  # each side's fetched rows, in the comparison's session


@dataclass(frozen=True)
class Transfer:
    """One entity's transfer: the comparison's session, each side's, what they run."""

    conn: Connection
    sides: tuple[Connection, Connection]
    plan: Plan
    queries: tuple[exp.Query, exp.Query]
    columns: tuple[list[psycopg.Column], list[psycopg.Column]]  # each side's query columns
    temps: TempTables
    entity: str
    meter: Meter


def _failed(work: Transfer, exc: psycopg.Error) -> EntityQueryError:
    return EntityQueryError(f"{work.entity}: the comparison across servers failed: {first_line(exc)}")


@cache
def _statement(name: str) -> sql.SQL:
    return sql.SQL(files("comparisons").joinpath(f"sql/{name}.sql").read_text(encoding="utf-8"))


def transfer_rows(work: Transfer, mode: str) -> Settled:
    """Move what comparing ``work``'s two sides needs into its session (see the module docs)."""
    seed = secrets.token_hex(16)
    for side in work.sides:
        if needs_json_function(side.info.server_version):
            side.execute(json_function_sql().encode())
    with ExitStack() as stack:
        for side in work.sides:
            stack.enter_context(_snapshot(side))
        buckets = _bucket_pass(work, seed) if mode == "bisect" else None
        totals = _move_digests(work, seed, buckets)
        equal, unsettled = _classify(work, totals[0])
        rows = tuple(_fetch(work, side, seed, buckets, unsettled) for side in (0, 1))
    control, candidate = (buckets.control_rows, buckets.candidate_rows) if buckets else totals
    settled_elsewhere = control - totals[0]  # rows of buckets whose checksums agreed: all equal
    return Settled(control, candidate, equal + settled_elsewhere, (rows[0], rows[1]))


@contextmanager
def _snapshot(conn: Connection) -> Iterator[None]:
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _run(work: Transfer, conn: Connection, statement: sql.Composed | sql.SQL) -> Any:
    try:
        return conn.execute(statement)
    except psycopg.Error as exc:
        raise _failed(work, exc) from exc


def _bucket_pass(work: Transfer, seed: str) -> Buckets:
    """Each side's checksum per bucket; the buckets that differ or hold a repeated key."""
    found = []
    for side, query in enumerate(work.queries):
        version = work.sides[side].info.server_version
        rows = exp.select(
            exp.alias_(key_bucket(work.plan, side, seed), "_b", quoted=True),
            exp.alias_(row_part(work.plan, side, version, seed), "_p", quoted=True),
        ).from_(query.subquery(SOURCE))
        statement = sql.SQL(
            'SELECT "_b", pg_catalog.count(*), pg_catalog.sum("_p") FROM ({}) AS u GROUP BY "_b"'
        ).format(sql.SQL(render(rows)))
        found.append({b: (int(n), s) for b, n, s in _copy_rows(work, side, statement)})
    differing = {b for b in found[0].keys() | found[1].keys() if found[0].get(b) != found[1].get(b)}
    differing |= _repeated_buckets(work, seed)
    counted = [sum(n for n, _ in side.values()) for side in found]
    return Buckets(counted[0], counted[1], tuple(sorted(differing)))


def _copy_rows(work: Transfer, side: int, statement: sql.Composable) -> list[tuple[int, str, str]]:
    try:
        return [(int(b), n, s) for b, n, s in copy_rows(work.sides[side], statement, work.meter)]
    except psycopg.Error as exc:
        raise _failed(work, exc) from exc


def _repeated_buckets(work: Transfer, seed: str) -> set[int]:
    """The buckets of keys the control holds twice: equal checksums can still post twice."""
    if key_is_unique(work.sides[0], work.queries[0], work.plan):
        return set()
    rows = exp.select(*keyed(work.plan, 0), exp.alias_(key_bucket(work.plan, 0, seed), "_b", quoted=True))
    rows = rows.from_(work.queries[0].subquery(SOURCE))
    statement = sql.SQL(
        'SELECT DISTINCT "_b" FROM ({}) AS u GROUP BY {}, "_b" HAVING pg_catalog.count(*) > 1'
    )
    found = _run(work, work.sides[0], statement.format(sql.SQL(render(rows)), _key_names(work.plan)))
    return {int(b) for (b,) in found.fetchall()}


def _key_names(plan: Plan, table: str | None = None) -> sql.Composable:
    def name(i: int) -> sql.Composable:
        return sql.Identifier(table, key_alias(i)) if table else sql.Identifier(key_alias(i))

    return sql.SQL(", ").join(name(i) for i in range(len(plan.key)))


def _in_buckets(plan: Plan, side: int, seed: str, buckets: Buckets | None) -> exp.Expr | None:
    """The filter to the differing buckets (None: every row, or most buckets differ)."""
    if buckets is None or len(buckets.differing) * 2 > BUCKETS:
        return None
    bit = catalog_call("get_bit", buckets.bitmap(), key_bucket(plan, side, seed))
    return exp.EQ(this=bit, expression=exp.Literal.number(1))


def _move_digests(work: Transfer, seed: str, buckets: Buckets | None) -> tuple[int, int]:
    """Each side's (key, digest) of the rows to classify into _h0/_h1; their row counts."""
    types = _types(work.conn, [c.type_oid if c.native else 25 for c in work.plan.key])
    counts = []
    for side, query in enumerate(work.queries):
        target = work.temps.identifier(f"h{side}")
        work.temps.create(f"h{side}")
        keys = _definitions([key_alias(i) for i in range(len(types))], types)
        _run(work, work.conn, sql.SQL('CREATE TEMP TABLE {} ({}, "_h" uuid)').format(target, keys))
        if buckets is not None and not buckets.differing:
            counts.append(0)
            continue
        version = work.sides[side].info.server_version
        digest = exp.alias_(row_digest(work.plan, side, version, seed), "_h", quoted=True)
        rows = exp.select(*keyed(work.plan, side), digest)
        rows = rows.from_(query.subquery(SOURCE))
        if (where := _in_buckets(work.plan, side, seed, buckets)) is not None:
            rows = rows.where(where)
        _copy(work, work.sides[side], sql.SQL(render(rows)), work.conn, target)
        (n,) = _run(work, work.conn, sql.SQL("SELECT pg_catalog.count(*) FROM {}").format(target)).fetchone()
        counts.append(int(n))
    return counts[0], counts[1]


def _copy(
    work: Transfer, source: Connection, query: sql.Composable, target: Connection, table: sql.Composable
) -> None:
    try:
        copy_between(source, query, target, table, work.meter)
    except psycopg.Error as exc:
        raise _failed(work, exc) from exc


def _types(conn: Connection, oids: Sequence[int]) -> list[str]:
    """The comparison server's names of these built-in types (OIDs agree across versions),
    without a length: character and bit would mean character(1) and bit(1)."""
    rows = conn.execute(TYPE_NAMES, (list(oids),)).fetchall()
    return [UNBOUNDED.get(oid, str(r[0])) for oid, r in zip(oids, rows, strict=True)]


def _definitions(names: Sequence[str], types: Sequence[str]) -> sql.Composable:
    """Column definitions: each name with its type."""
    pairs = zip(names, types, strict=True)
    return sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in pairs)


def _classify(work: Transfer, control_rows: int) -> tuple[int, int]:
    """The unsettled keys into _diff; the keys settled equal among the rows moved, and how
    many keys are not."""
    names = _key_names(work.plan)
    diff = work.temps.identifier("diff")
    work.temps.create("diff")
    statement = _statement("across_classify").format(
        diff=diff, keys=names, h0=work.temps.identifier("h0"), h1=work.temps.identifier("h1")
    )
    _run(work, work.conn, statement)
    unsettled = sql.SQL("SELECT pg_catalog.count(*), COALESCE(pg_catalog.sum(n1), 0) FROM {}").format(diff)
    keys, n1 = _run(work, work.conn, unsettled).fetchone()
    return control_rows - int(n1), int(keys)


def _fetch(work: Transfer, side: int, seed: str, buckets: Buckets | None, unsettled: int) -> exp.Query:
    """The side's rows of the unsettled keys, whole, into _moved<side> of the comparison's session."""
    temps = work.temps
    target = temps.create(f"moved{side}")
    described = work.columns[side]
    columns = _definitions([c.name for c in described], _types(work.conn, [c.type_code for c in described]))
    _run(work, work.conn, sql.SQL("CREATE TEMP TABLE {} ({})").format(sql.SQL(render(target)), columns))
    if unsettled:
        _fetch_rows(work, side, seed, buckets, sql.SQL(render(target)))
    return exp.select("*").from_(target)


def _fetch_rows(work: Transfer, side: int, seed: str, buckets: Buckets | None, target: sql.SQL) -> None:
    conn, temps = work.sides[side], work.temps
    wanted = sql.Identifier("pg_temp", temps.name(f"wanted{side}"))
    _run(work, conn, sql.SQL('CREATE TEMP TABLE {} ("_h" uuid PRIMARY KEY) ON COMMIT DROP').format(wanted))
    wanted_rows = _statement("across_wanted").format(
        hashes=temps.identifier(f"h{side}"),
        diff=temps.identifier("diff"),
        row_keys=_key_names(work.plan, "h"),
        diff_keys=_key_names(work.plan, "d"),
    )
    _copy(work, work.conn, wanted_rows, conn, wanted)
    _run(work, conn, sql.SQL("ANALYZE {}").format(wanted))
    _copy(work, conn, _fetch_statement(work, side, seed, buckets, wanted), work.conn, target)


def _fetch_statement(
    work: Transfer, side: int, seed: str, buckets: Buckets | None, wanted: sql.Identifier
) -> sql.Composed:
    version = work.sides[side].info.server_version
    digest = exp.alias_(row_digest(work.plan, side, version, seed), DIGEST, quoted=True)
    digested = exp.select(f"{SOURCE}.*", digest)
    digested = digested.from_(work.queries[side].subquery(SOURCE))
    if (where := _in_buckets(work.plan, side, seed, buckets)) is not None:
        digested = digested.where(where)
    columns = sql.SQL(", ").join(sql.Identifier("t", c.name) for c in work.columns[side])
    rows = sql.SQL(render(digested))
    return _statement("across_fetch").format(columns=columns, digested=rows, wanted=wanted)
