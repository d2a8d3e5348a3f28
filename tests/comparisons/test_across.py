"""Sides on two servers: the control on the embedded PostgreSQL 18, the candidate on a
PostgreSQL 15 (tests.servers). Compared across them, in both transfer modes, an entity
gets the counts and verdict it gets with both sides on one server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comparisons import EntityResult, EntitySpec, compare_entity
from comparisons.across import compare_entity_across
from comparisons.canonical import row_md5
from comparisons.expressions import json_function_sql, needs_json_function
from comparisons.plan import build_plan, query_columns
from comparisons.qualify import render, side_query
from comparisons.stream import Meter
from tests.comparisons.conftest import TODAY, D, spec
from tests.comparisons.test_property import ENTITIES_ACCEPTED, ENTITY, rows
from tests.conftest import TestDatabase

TABLE = "CREATE TABLE t (k1 text, k2 int, amount numeric, name text, meta text)"
INSERT = "INSERT INTO {schema}.t VALUES (%s, %s, %s, %s, %s)"
MODES = ("hashes", "bisect")
Conn = Any


class TwoServers:
    """ctl and cnd on the PostgreSQL 18 database (one server), cnd again on the 15 one."""

    def __init__(self, here: Conn, there: Conn, compare: Conn) -> None:
        self.here, self.there, self.compare = here, there, compare

    def load(
        self, control: list[tuple[Any, ...]], candidate: list[tuple[Any, ...]], table: str = TABLE
    ) -> None:
        for conn, schema, data in (
            (self.here, "ctl", control),
            (self.here, "cnd", candidate),
            (self.there, "cnd", candidate),
        ):
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")
            conn.execute(f"SET search_path = {schema}")
            conn.execute(table)
            conn.execute("RESET search_path")
            with conn.cursor() as cur:
                cur.executemany(INSERT.format(schema=schema), data)

    def one_server(self, entity: EntitySpec, entries: Any = ()) -> EntityResult:
        return compare_entity(self.here, entity, "ctl", "cnd", D, tuple(entries), today=TODAY)

    def across(
        self, entity: EntitySpec, mode: str, entries: Any = (), meter: Meter | None = None
    ) -> EntityResult:
        sides = (self.here, self.there)
        return compare_entity_across(
            self.compare,
            sides,
            entity,
            ("ctl", "cnd"),
            D,
            tuple(entries),
            transfer=mode,
            today=TODAY,
            meter=meter,
        )


@pytest.fixture
def servers(clean_db: TestDatabase, pg15_db: TestDatabase) -> Iterator[TwoServers]:
    with clean_db.connect() as here, pg15_db.connect() as there, clean_db.connect() as compare:
        compare.execute("SET search_path = pg_catalog, pg_temp")
        yield TwoServers(here, there, compare)


def _same(one: EntityResult, two: EntityResult) -> None:
    assert (two.verdict, two.counts, two.accepted) == (one.verdict, one.counts, one.accepted)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(control=rows, candidate=rows)
def test_two_servers_count_what_one_server_counts(
    servers: TwoServers, control: list[tuple[Any, ...]], candidate: list[tuple[Any, ...]]
) -> None:
    servers.load(control, candidate)
    one = servers.one_server(ENTITY, ENTITIES_ACCEPTED)
    for mode in MODES:
        _same(one, servers.across(ENTITY, mode, ENTITIES_ACCEPTED))


def test_a_row_both_sides_post_twice_is_a_duplicate_key_in_both_modes(servers: TwoServers) -> None:
    row = ("a", 1, Decimal("1.00"), "x", '{"a": 1}')
    servers.load([row, row, ("b", 2, 1, "y", None)], [row, row, ("b", 2, 1, "y", None)])
    for mode in MODES:
        result = servers.across(ENTITY, mode)
        assert (result.counts.duplicate_keys, result.counts.equal, result.verdict) == (1, 1, "MISMATCH")


def test_equal_books_move_no_rows_and_bisect_only_bucket_checksums(servers: TwoServers) -> None:
    data = [(f"k{i}", i, Decimal(i) / 100, "name", '{"a": 1}') for i in range(5000)]
    servers.load(data, data)
    moved = {}
    for mode in MODES:
        meter = Meter()
        result = servers.across(ENTITY, mode, meter=meter)
        assert (result.verdict, result.counts.equal, result.counts.control_rows) == ("MATCH", 5000, 5000)
        moved[mode] = meter
    assert moved["hashes"].streams == 2  # each side's digests, and nothing fetched
    assert moved["hashes"].bytes > 2 * 5000 * 16
    assert moved["bisect"].streams == 2  # each side's bucket checksums only
    assert moved["bisect"].bytes < 2 * 5000 * 40


ROW_TYPES = """
CREATE TABLE t (k text, n numeric, f float8, ts timestamptz, d date, b boolean, j text, s text, i bigint)
"""
ROW_INSERT = "INSERT INTO {schema}.t VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"


VALUES = st.tuples(
    st.text(min_size=1, max_size=8).filter(lambda s: "\x00" not in s),
    st.decimals(allow_nan=False, places=3, min_value=-(10**6), max_value=10**6)
    | st.just(Decimal("NaN"))
    | st.none(),
    st.floats(allow_nan=False, width=64) | st.none(),
    st.datetimes(timezones=st.just(UTC)) | st.none(),
    st.dates() | st.none(),
    st.booleans() | st.none(),
    st.sampled_from(['{"a": 1}', '{ "a" : [1, 2.50] }', "not json", '"\\u00e9"', "[1,"]) | st.none(),
    st.text(max_size=6).filter(lambda s: "\x00" not in s) | st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.none(),
)
TYPED = spec(name="t", query="SELECT * FROM t", key=["k"], normalizers={"j": "json", "s": "trim"})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(VALUES, min_size=1, max_size=40, unique_by=lambda r: r[0]))
def test_digests_are_the_same_on_postgresql_15_and_18(
    servers: TwoServers, data: list[tuple[Any, ...]]
) -> None:
    digests = []
    for conn in (servers.here, servers.there):
        conn.execute("DROP SCHEMA IF EXISTS cnd CASCADE; CREATE SCHEMA cnd; SET search_path = cnd")
        conn.execute(ROW_TYPES)
        conn.execute("RESET search_path")
        with conn.cursor() as cur:
            cur.executemany(ROW_INSERT.format(schema="cnd"), data)
        digests.append(_digests(conn, TYPED))
    assert digests[0] == digests[1]
    assert len(digests[0]) == len(data)


def _digests(conn: Conn, entity: EntitySpec) -> list[tuple[str, str]]:
    query = side_query(entity.parsed, "cnd", D)
    described = [(c.name, c.type_code) for c in query_columns(conn, render(query), "control", "t")]
    plan = build_plan(entity, described, described)
    version = conn.info.server_version
    if needs_json_function(version):
        conn.execute(json_function_sql().encode())
    digest = render(row_md5(plan, 0, version, "seed"))
    statement = f"SELECT s.k, {digest} FROM ({render(query)}) AS s"
    return sorted((str(k), str(h)) for k, h in conn.execute(statement.encode()).fetchall())


def test_fixed_width_columns_are_moved_at_their_width(servers: TwoServers) -> None:
    table = "CREATE TABLE t (k1 text, k2 int, amount numeric, name char(3), meta bit(4))"
    servers.load([("a", 1, 1, "ab", "1010"), ("b", 2, 2, "xyz", "0001")], [("a", 1, 1, "abc", "1010")], table)
    entity = spec(name="t", query="SELECT * FROM t", key=["k1", "k2"])
    one = servers.one_server(entity)
    assert (one.counts.different, one.counts.control_only) == (1, 1)
    for mode in MODES:
        _same(one, servers.across(entity, mode))
