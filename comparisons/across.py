"""Compare one entity whose two sides are on different servers.

The transfer (comparisons.transfer) settles the keys whose rows agree by digest and moves
the other keys' rows, whole, into temp tables of the comparison's session; the same two
stages as on one server (comparisons.entity.compare_work) then classify those rows, with
the same tolerances, normalizers and accepted differences. The counts are the transfer's
rows per side and its equal keys plus what the stages found among the moved rows.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import date

from sqlglot import exp

from comparisons.accepted import AcceptedDifference
from comparisons.bisect import bucket_pass
from comparisons.connection import Connection
from comparisons.entity import (
    DEFAULT_MAX_DETAIL_ROWS,
    DEFAULT_WORK_MEM,
    compare_work,
    plan_sides,
    session_setting,
)
from comparisons.errors import EntityQueryError
from comparisons.expressions import json_function_sql, needs_json_function
from comparisons.keylist import KeySink
from comparisons.result import EntityResult, verdict
from comparisons.spark.engine import SparkEngine
from comparisons.spec import EntitySpec
from comparisons.stream import Meter
from comparisons.transfer import Transfer, classify, fetch, key_types, move_digests, receive_keys
from comparisons.work import EntityWork, TempTables, side_queries


def compare_entity_across(
    conn: Connection,
    sides: tuple[Connection, Connection],
    spec: EntitySpec,
    schemas: tuple[str, str],
    business_date: date,
    accepted: Sequence[AcceptedDifference],
    *,
    transfer: str = "hashes",
    max_detail_rows: int = DEFAULT_MAX_DETAIL_ROWS,
    today: date,
    work_mem: str = DEFAULT_WORK_MEM,
    key_list: KeySink | None = None,
    meter: Meter | None = None,
    engine: SparkEngine | None = None,
) -> EntityResult:
    """Compare ``spec`` between ``schemas[0]`` on ``sides[0]`` and ``schemas[1]`` on
    ``sides[1]``; ``conn`` is the comparison's own session (temp tables only)."""
    queries = side_queries(spec, schemas, business_date)
    plan, findings, columns = plan_sides(sides, spec, queries)
    temps = TempTables()
    keys = key_types(conn, plan)
    moving = Transfer(conn, sides, plan, queries, columns, keys, temps, spec.name, meter or Meter())
    try:
        with session_setting(conn, "work_mem", work_mem):  # the key grouping of every row moved
            settled = transfer_rows(moving, transfer, engine, spec.partition_column)
    except BaseException:
        temps.drop(conn)
        raise
    spark = engine.session if engine is not None else None
    work = EntityWork(conn, spec, plan, business_date, settled.rows, temps, spark)
    result = compare_work(
        work,
        findings,
        accepted,
        max_detail_rows=max_detail_rows,
        today=today,
        work_mem=work_mem,
        key_list=key_list,
    )
    return _with_settled(result, settled, schema_fails=any(f.fails for f in findings))


@dataclass(frozen=True)
class Settled:
    """What the transfer settled before the rows it fetched are compared."""

    control_rows: int
    candidate_rows: int
    equal: int  # keys with one row per side and equal digests
    rows: tuple[exp.Query, exp.Query]  # each side's fetched rows, in the comparison's session


def transfer_rows(
    work: Transfer, mode: str, engine: SparkEngine | None = None, partition_column: str = ""
) -> Settled:
    """Move what comparing ``work``'s two sides needs into its session (comparisons.transfer);
    with mode spark, Spark settles the keys (comparisons.spark) and only the others move."""
    seed = secrets.token_hex(16)
    for side in work.sides:
        if needs_json_function(side.info.server_version):
            side.execute(json_function_sql().encode())
    with ExitStack() as stack:
        for side in work.sides:
            stack.enter_context(_snapshot(side))
        if mode == "spark":
            return _settled_on_spark(work, seed, engine, partition_column)
        buckets = bucket_pass(work, seed) if mode == "bisect" else None
        totals = move_digests(work, seed, buckets)
        equal, unsettled = classify(work, totals[0])
        rows, _ = fetch(work, unsettled)
    control, candidate = (buckets.control_rows, buckets.candidate_rows) if buckets else totals
    settled_elsewhere = control - totals[0]  # rows of buckets whose checksums agreed: all equal
    return Settled(control, candidate, equal + settled_elsewhere, (rows[0], rows[1]))


def _settled_on_spark(
    work: Transfer, seed: str, engine: SparkEngine | None, partition_column: str
) -> Settled:
    if engine is None:
        raise ValueError("transfer spark needs a SparkEngine")
    types = tuple({c.name: c.type_code for c in side} for side in work.columns)
    found = engine.settle(
        work.sides, work.plan, work.queries, (types[0], types[1]), partition_column, work.entity, seed
    )
    receive_keys(work, found.unsettled)
    rows, fetched = fetch(work, len(found.unsettled))
    _check_fetched(work, (found.control_rows - found.equal, found.candidate_rows - found.equal), fetched)
    return Settled(found.control_rows, found.candidate_rows, found.equal, (rows[0], rows[1]))


def _check_fetched(work: Transfer, counted: tuple[int, int], fetched: tuple[int, int]) -> None:
    """The unsettled keys' rows fetched are the rows Spark counted for them: Spark's reads and
    the fetch are of one snapshot, so anything else is a comparison that cannot be trusted."""
    for label, rows, moved in zip(("control", "candidate"), counted, fetched, strict=True):
        if moved != rows:
            raise EntityQueryError(
                f"{work.entity}: Spark counted {rows} unsettled {label} row(s) but {moved} were fetched; "
                "the side changed while it was compared"
            )


@contextmanager
def _snapshot(conn: Connection) -> Iterator[None]:
    """One snapshot of the side for the whole transfer, with the comparison's work_mem."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        conn.execute("SELECT pg_catalog.set_config('work_mem', %s, true)", (DEFAULT_WORK_MEM,))
        yield


def _with_settled(result: EntityResult, settled: Settled, *, schema_fails: bool) -> EntityResult:
    counts = replace(
        result.counts,
        control_rows=settled.control_rows,
        candidate_rows=settled.candidate_rows,
        equal=result.counts.equal + settled.equal,
    )
    return replace(result, counts=counts, verdict=verdict(counts, schema_fails=schema_fails))
