"""Stage 1 across two servers: which rows differ, found by moving digests, not rows.

With the sides on different servers no statement sees both, so the harness moves what it
must between them (comparisons.stream), in one of two ways:

``hashes`` (the default): each side's server computes (key, row digest) of every row
(comparisons.canonical); both streams land in temp tables of the comparison's session,
where one GROUP BY on the key settles every key with one row per side and equal digests.
The other keys go back to each side's server, which returns their rows whole (a hash join
on the key, NULL-safe).

``bisect`` (servers far apart): bucket checksums first (comparisons.bisect), then only
the differing buckets moved as in ``hashes``. Unlike reladiff's hashdiff, the counts stay
exact: every key of the differing buckets is classified, and repeated keys are found
even when both sides repeat them alike.

Each side is read in one REPEATABLE READ transaction (comparisons.across): its digests
and the rows fetched after them are of the same snapshot. What costs a side's server time
is computed on both servers at once: the control's digests stream in while the
candidate's server writes its own into a temp table of its session, streamed after; the
fetched rows of both go through such temp tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from sqlglot import exp

from comparisons.buckets import Buckets, keyed
from comparisons.canonical import key_bucket, row_digest
from comparisons.connection import Connection
from comparisons.errors import EntityQueryError, first_line
from comparisons.expressions import SOURCE
from comparisons.plan import Plan
from comparisons.qualify import catalog_call, render
from comparisons.stream import Meter, copy_between
from comparisons.work import TempTables, key_alias

T = TypeVar("T")
TEXT = 25  # the type OID of a key compared as its text
UNBOUNDED = {1042: "pg_catalog.bpchar", 1560: "pg_catalog.varbit"}
TYPE_NAMES = (
    "SELECT pg_catalog.format_type(t, NULL) "
    "FROM pg_catalog.unnest(%s::oid[]) WITH ORDINALITY AS u (t, i) ORDER BY i"
)


@dataclass(frozen=True)
class Transfer:
    """One entity's transfer: the comparison's session, each side's, what they run."""

    conn: Connection
    sides: tuple[Connection, Connection]
    plan: Plan
    queries: tuple[exp.Query, exp.Query]
    columns: tuple[list[psycopg.Column], list[psycopg.Column]]  # each side's query columns
    key_types: tuple[str, ...]  # the key columns' type names (built-in: the same on every server)
    temps: TempTables
    entity: str
    meter: Meter


def failed(work: Transfer, exc: psycopg.Error) -> EntityQueryError:
    return EntityQueryError(f"{work.entity}: the comparison across servers failed: {first_line(exc)}")


@cache
def _statement(name: str) -> sql.SQL:
    return sql.SQL(files("comparisons").joinpath(f"sql/{name}.sql").read_text(encoding="utf-8"))


def both(work: Transfer, task: Callable[[int], T]) -> tuple[T, T]:
    """``task`` for the control (0) and the candidate (1) at once: each side's server works on
    its own part while the other does (each side's connection is used by one thread only)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        control, candidate = pool.submit(task, 0), pool.submit(task, 1)
        return control.result(), candidate.result()


def stage(work: Transfer, side: int, name: str, rows: sql.Composable) -> sql.Identifier:
    """``rows`` computed into a temp table of the side's session (its transaction's end drops it)."""
    staged = sql.Identifier("pg_temp", work.temps.name(name))
    run_on(work, work.sides[side], sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS {}").format(staged, rows))
    return staged


def run_on(work: Transfer, conn: Connection, statement: sql.Composed | sql.SQL) -> Any:
    try:
        return conn.execute(statement)
    except psycopg.Error as exc:
        raise failed(work, exc) from exc


def key_names(plan: Plan, table: str | None = None) -> sql.Composable:
    def name(i: int) -> sql.Composable:
        return sql.Identifier(table, key_alias(i)) if table else sql.Identifier(key_alias(i))

    return sql.SQL(", ").join(name(i) for i in range(len(plan.key)))


def in_buckets(plan: Plan, side: int, seed: str, buckets: Buckets | None) -> exp.Expr | None:
    """The filter to the differing buckets (None: every row, or most buckets differ)."""
    if buckets is None or len(buckets.differing) * 2 > buckets.size:
        return None
    bit = catalog_call("get_bit", buckets.bitmap(), key_bucket(plan, side, seed))
    return exp.EQ(this=bit, expression=exp.Literal.number(1))


def move_digests(work: Transfer, seed: str, buckets: Buckets | None) -> tuple[int, int]:
    """Each side's (key, digest) of the rows to classify into _h0/_h1; their row counts."""
    keys = _key_definitions(work)
    for side in (0, 1):
        work.temps.create(f"h{side}")
        table = work.temps.identifier(f"h{side}")
        run_on(work, work.conn, sql.SQL('CREATE TEMP TABLE {} ({}, "_h" uuid)').format(table, keys))
    if buckets is not None and not buckets.differing:
        return 0, 0
    # The control's digests stream straight in while the candidate's server computes its own
    # into a temp table (no statement can stream into the one comparison session at once).
    with ThreadPoolExecutor(max_workers=1) as pool:
        staging = pool.submit(stage, work, 1, "digests1", _digests(work, 1, seed, buckets))
        control = _copy(
            work, work.sides[0], _digests(work, 0, seed, buckets), work.conn, work.temps.identifier("h0")
        )
        staged = staging.result()
    everything = sql.SQL("SELECT * FROM {}").format(staged)
    return control, _copy(work, work.sides[1], everything, work.conn, work.temps.identifier("h1"))


def _digests(work: Transfer, side: int, seed: str, buckets: Buckets | None) -> sql.SQL:
    version = work.sides[side].info.server_version
    digest = exp.alias_(row_digest(work.plan, side, version, seed), "_h", quoted=True)
    rows = exp.select(*keyed(work.plan, side), digest).from_(work.queries[side].subquery(SOURCE))
    if (where := in_buckets(work.plan, side, seed, buckets)) is not None:
        rows = rows.where(where)
    return sql.SQL(render(rows))


def _copy(
    work: Transfer, source: Connection, query: sql.Composable, target: Connection, table: sql.Composable
) -> int:
    try:
        return copy_between(source, query, target, table, work.meter)
    except psycopg.Error as exc:
        raise failed(work, exc) from exc


def key_types(conn: Connection, plan: Plan) -> tuple[str, ...]:
    """The key columns' types as moved: a native key's own, else text."""
    return tuple(_types(conn, [c.type_oid if c.native else TEXT for c in plan.key]))


def _key_definitions(work: Transfer) -> sql.Composable:
    return _definitions([key_alias(i) for i in range(len(work.key_types))], work.key_types)


def _types(conn: Connection, oids: Sequence[int]) -> list[str]:
    """The comparison server's names of these built-in types (OIDs agree across versions),
    without a length: character and bit would mean character(1) and bit(1)."""
    rows = conn.execute(TYPE_NAMES, (list(oids),)).fetchall()
    return [UNBOUNDED.get(oid, str(r[0])) for oid, r in zip(oids, rows, strict=True)]


def _definitions(names: Sequence[str], types: Sequence[str]) -> sql.Composable:
    """Column definitions: each name with its type."""
    pairs = zip(names, types, strict=True)
    return sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in pairs)


def classify(work: Transfer, control_rows: int) -> tuple[int, int]:
    """The unsettled keys into _diff; the keys settled equal among the rows moved, and how
    many keys are not."""
    names = key_names(work.plan)
    diff = work.temps.identifier("diff")
    work.temps.create("diff")
    statement = _statement("across_classify").format(
        diff=diff, keys=names, h0=work.temps.identifier("h0"), h1=work.temps.identifier("h1")
    )
    run_on(work, work.conn, statement)
    unsettled = sql.SQL("SELECT pg_catalog.count(*), COALESCE(pg_catalog.sum(n1), 0) FROM {}").format(diff)
    keys, n1 = run_on(work, work.conn, unsettled).fetchone()
    return control_rows - int(n1), int(keys)


def receive_keys(work: Transfer, keys: Sequence[tuple[Any, ...]]) -> None:
    """Keys settled elsewhere (by Spark) as unsettled, as their text, into _diff."""
    diff = work.temps.identifier("diff")
    work.temps.create("diff")
    run_on(work, work.conn, sql.SQL("CREATE TEMP TABLE {} ({})").format(diff, _key_definitions(work)))
    if not keys:
        return
    try:
        with work.conn.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(diff)) as copy:
            for key in keys:
                copy.write_row(key)
    except psycopg.Error as exc:
        raise failed(work, exc) from exc
    run_on(work, work.conn, sql.SQL("ANALYZE {}").format(diff))


def fetch(work: Transfer, unsettled: int) -> tuple[tuple[exp.Query, exp.Query], tuple[int, int]]:
    """Each side's rows of the unsettled keys, whole, into _moved0/_moved1 of the comparison's
    session: the keys sent to each side, the rows computed on both servers at once. Returns
    the queries over them and how many rows each side's COPY moved."""
    targets = [_moved_table(work, side) for side in (0, 1)]
    moved = [0, 0]
    if unsettled:
        wanted = [_send_wanted(work, side) for side in (0, 1)]
        staged = both(
            work, lambda side: stage(work, side, f"fetched{side}", _fetch_statement(work, side, wanted[side]))
        )
        for side, target in enumerate(targets):
            everything = sql.SQL("SELECT * FROM {}").format(staged[side])
            moved[side] = _copy(work, work.sides[side], everything, work.conn, sql.SQL(render(target)))
    queries = exp.select("*").from_(targets[0]), exp.select("*").from_(targets[1])
    return queries, (moved[0], moved[1])


def _moved_table(work: Transfer, side: int) -> exp.Table:
    target = work.temps.create(f"moved{side}")
    described = work.columns[side]
    columns = _definitions([c.name for c in described], _types(work.conn, [c.type_code for c in described]))
    run_on(work, work.conn, sql.SQL("CREATE TEMP TABLE {} ({})").format(sql.SQL(render(target)), columns))
    return target


def _send_wanted(work: Transfer, side: int) -> sql.Identifier:
    """The unsettled keys, into a temp table of the side's session: its rows to fetch are theirs."""
    conn = work.sides[side]
    wanted = sql.Identifier("pg_temp", work.temps.name(f"wanted{side}"))
    run_on(
        work, conn, sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(wanted, _key_definitions(work))
    )
    unsettled = sql.SQL("SELECT {} FROM {}").format(key_names(work.plan), work.temps.identifier("diff"))
    _copy(work, work.conn, unsettled, conn, wanted)
    run_on(work, conn, sql.SQL("ANALYZE {}").format(wanted))
    return wanted


def _fetch_statement(work: Transfer, side: int, wanted: sql.Identifier) -> sql.Composed:
    """The side's rows whose key is wanted: a hash join on the key (NULL parts included)."""
    keyed_rows = exp.select(f"{SOURCE}.*", *keyed(work.plan, side)).from_(work.queries[side].subquery(SOURCE))
    columns = sql.SQL(", ").join(sql.Identifier("t", c.name) for c in work.columns[side])
    return _statement("across_fetch").format(
        columns=columns,
        keyed=sql.SQL(render(keyed_rows)),
        wanted=wanted,
        row_keys=key_names(work.plan, "t"),
        wanted_keys=key_names(work.plan, "w"),
    )
