"""Engine spark against engine postgres: the same rows compared both ways give the same
counts, verdicts and accepted-difference coverage (a differential test), and Spark's reads
see one snapshot of each side."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from comparisons import EntityResult, EntitySpec, compare_entity
from comparisons.across import compare_entity_across
from comparisons.errors import EntityQueryError
from comparisons.spark.engine import SparkEngine
from comparisons.spark.session import SparkSettings
from comparisons.spec import Normalizer
from tests.comparisons.conftest import TODAY, D, spec
from tests.comparisons.test_property import ENTITIES_ACCEPTED, ENTITY, rows
from tests.conftest import TestDatabase
from tests.spark_cluster import QUICK_CONF

pytestmark = pytest.mark.spark

TABLE = "CREATE TABLE t (k1 text, k2 int, amount numeric, name text, meta text)"
INSERT = "INSERT INTO {schema}.t VALUES (%s, %s, %s, %s, %s)"
ENGINE = SparkEngine(SparkSettings(master="local[2]", partitions=3, conf=QUICK_CONF))
Conn = Any


class Engines:
    """ctl and cnd in one database; compared by PostgreSQL, and by Spark."""

    def __init__(self, admin: Conn, control: Conn, candidate: Conn, compare: Conn) -> None:
        self.admin, self.sides, self.compare = admin, (control, candidate), compare

    def load(
        self, control: list[tuple[Any, ...]], candidate: list[tuple[Any, ...]], table: str = TABLE
    ) -> None:
        for schema, data in (("ctl", control), ("cnd", candidate)):
            self.admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            self.admin.execute(f"CREATE SCHEMA {schema}")
            self.admin.execute(f"SET search_path = {schema}")
            self.admin.execute(table)
            self.admin.execute("RESET search_path")
            with self.admin.cursor() as cur:
                cur.executemany(INSERT.format(schema=schema), data)

    def postgres(self, entity: EntitySpec, entries: Any = ()) -> EntityResult:
        return compare_entity(self.admin, entity, "ctl", "cnd", D, tuple(entries), today=TODAY)

    def spark(self, entity: EntitySpec, entries: Any = (), engine: SparkEngine = ENGINE) -> EntityResult:
        return compare_entity_across(
            self.compare,
            self.sides,
            entity,
            ("ctl", "cnd"),
            D,
            tuple(entries),
            transfer="spark",
            today=TODAY,
            engine=engine,
        )


@pytest.fixture
def engines(clean_db: TestDatabase) -> Iterator[Engines]:
    with sessions(clean_db, clean_db, clean_db, clean_db) as (admin, control, candidate, compare):
        yield Engines(admin, control, candidate, compare)


@contextmanager
def sessions(*databases: TestDatabase) -> Iterator[list[Conn]]:
    """A session on each database; the last one's catalog pinned, as the comparison's is."""
    with ExitStack() as stack:
        opened = [stack.enter_context(database.connect()) for database in databases]
        opened[-1].execute("SET search_path = pg_catalog, pg_temp")
        yield opened


def _same(one: EntityResult, two: EntityResult) -> None:
    assert (two.verdict, two.counts, two.accepted, two.expectation_unmet) == (
        one.verdict,
        one.counts,
        one.accepted,
        one.expectation_unmet,
    )
    assert [p.to_dict() for p in two.patterns] == [p.to_dict() for p in one.patterns]


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(control=rows, candidate=rows)
def test_spark_counts_what_postgres_counts(
    engines: Engines, control: list[tuple[Any, ...]], candidate: list[tuple[Any, ...]]
) -> None:
    engines.load(control, candidate)
    _same(engines.postgres(ENTITY, ENTITIES_ACCEPTED), engines.spark(ENTITY, ENTITIES_ACCEPTED))


BOOK = [(f"TX-{i:05d}", i % 4 + 1, Decimal(i) / 100 + 10, "name", '{"a": 1}') for i in range(2000)]


def _rows_with(changes: dict[int, tuple[int, Any]]) -> list[tuple[Any, ...]]:
    """BOOK with, per row number, one column's value replaced."""
    rows = [list(row) for row in BOOK]
    for row, (column, value) in changes.items():
        rows[row][column] = value
    return [tuple(row) for row in rows]


# Mutations of BOOK, several per case: each on rows of its own, so the cases stay few (every
# Spark comparison costs seconds) and each kind is still counted on its own.
MUTATIONS = {
    "equal": BOOK,
    "only what the rules allow": _rows_with(
        {0: (2, BOOK[0][2] + Decimal("0.01")), 1: (4, '{ "a" : 1.0 }'), 2: (3, "  name\t")}
    ),
    "every defect": [
        *_rows_with({0: (2, BOOK[0][2] + Decimal("0.03")), 1: (4, '{"a": 1'), 2: (0, None)})[:-1],
        BOOK[7],
        ("TX-99999", 1, Decimal("5.00"), "name", None),
    ],
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_mutations_get_the_same_verdict_on_both_engines(engines: Engines, mutation: str) -> None:
    engines.load(BOOK, MUTATIONS[mutation])
    one, two = engines.postgres(ENTITY, ENTITIES_ACCEPTED), engines.spark(ENTITY, ENTITIES_ACCEPTED)
    _same(one, two)
    assert [s.key for s in two.samples] == [s.key for s in one.samples]
    assert two.verdict == ("MISMATCH" if mutation == "every defect" else "MATCH")
    if mutation == "every defect":  # within tolerance no, invalid JSON, a NULL key, lost, doubled, added
        assert (two.counts.different, two.counts.invalid_json, two.counts.control_only) == (2, 1, 2)
        assert (two.counts.duplicate_keys, two.counts.candidate_only) == (1, 2)


def test_reads_partitioned_on_an_integer_key_and_on_a_declared_date(engines: Engines) -> None:
    table = "CREATE TABLE t (id bigint, day date, amount numeric)"
    data = [(i, f"2024-03-{i % 28 + 1:02d}", Decimal(i)) for i in range(500)]
    changed = [*data[:-1], (499, "2024-03-01", Decimal(1))]
    for schema, rows_ in (("ctl", data), ("cnd", changed)):
        engines.admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        engines.admin.execute(table.replace("TABLE t", f"TABLE {schema}.t"))
        with engines.admin.cursor() as cur:
            cur.executemany(f"INSERT INTO {schema}.t VALUES (%s, %s, %s)", rows_)
    by_key = spec(name="t", query="SELECT * FROM t", key=["id"])
    by_day = spec(name="t", query="SELECT * FROM t", key=["id"], partition_column="day")
    for entity in (by_key, by_day):
        result = engines.spark(entity)
        assert (result.counts.equal, result.counts.different, result.verdict) == (499, 1, "MISMATCH")


def test_a_partition_column_that_is_text_is_refused_in_one_line(engines: Engines) -> None:
    engines.load(BOOK[:10], BOOK[:10])
    with pytest.raises(
        Exception, match="partition_column 'name' must be an integer, date or timestamp column"
    ):
        engines.spark(replace(ENTITY, partition_column="name"))


class Intruding(SparkEngine):
    """Writes a row into the candidate's table after the snapshots are taken, before Spark reads."""

    def __init__(self, write: Any) -> None:
        super().__init__(ENGINE.settings)
        self.write = write

    @contextmanager
    def _reporting(self, entity: str, group: str) -> Iterator[None]:
        self.write()
        with super()._reporting(entity, group):
            yield


def test_every_spark_partition_reads_the_snapshot_the_harness_took(engines: Engines) -> None:
    engines.load(BOOK, BOOK)
    late = ("TX-LATE", 1, Decimal("1.00"), "name", None)

    def write() -> None:
        engines.admin.execute(INSERT.format(schema="cnd"), late)

    result = engines.spark(ENTITY, engine=Intruding(write))
    assert (result.verdict, result.counts.candidate_rows, result.counts.candidate_only) == (
        "MATCH",
        len(BOOK),
        0,
    )
    after = engines.spark(ENTITY)  # a new comparison, a new snapshot: the row is there
    assert (after.verdict, after.counts.candidate_only) == ("MISMATCH", 1)


def test_progress_reports_spark_stages(engines: Engines, monkeypatch: pytest.MonkeyPatch) -> None:
    import comparisons.spark.engine as module

    engines.load(BOOK, BOOK)
    heard: list[str] = []
    monkeypatch.setattr(module, "POLL_SECONDS", 0.05)
    engines.spark(ENTITY, engine=SparkEngine(ENGINE.settings, heard.append))
    assert heard and all(line.startswith("t: Spark stages ") for line in heard)
    assert any(" done, tasks " in line for line in heard)


def test_exact_numbers_reach_spark_as_one_text_per_value() -> None:
    from comparisons.spark.detail import _text

    long = "123456789012345678901234567890123456789012.000000001"
    assert [_text(Decimal(v)) for v in ("1.10", "1.1", "-0.00", "1E+3", long)] == [
        "1.1",
        "1.1",
        "0",
        "1000",
        long,
    ]
    assert (_text(Decimal("NaN")), _text(None), _text("json:{}")) == ("NaN", None, "json:{}")


def test_a_candidate_on_postgresql_15_compares_on_spark_as_on_one_server(
    clean_db: TestDatabase, pg15_db: TestDatabase
) -> None:
    candidate = [
        *_rows_with({0: (2, BOOK[0][2] + Decimal("0.03"))})[:-1],
        (None, 1, Decimal(1), " name ", None),
    ]
    plain = replace(ENTITY, normalizers={"name": Normalizer.TRIM})
    with sessions(pg15_db, clean_db, clean_db, clean_db) as (there, here, control, compare):
        one = Engines(here, control, control, compare)
        one.load(BOOK, candidate)
        expected = one.postgres(plain)
        there.execute("CREATE SCHEMA cnd")
        there.execute(TABLE.replace("TABLE t", "TABLE cnd.t"))
        with there.cursor() as cur:
            cur.executemany(INSERT.format(schema="cnd"), candidate)
        apart = partial(
            compare_entity_across,
            compare,
            (control, there),
            schemas=("ctl", "cnd"),
            business_date=D,
            accepted=(),
            transfer="spark",
            today=TODAY,
            engine=ENGINE,
        )
        _same(expected, apart(spec=plain))
        with pytest.raises(
            EntityQueryError,
            match=r"engine spark checks JSON \(meta\) with pg_input_is_valid, which the candidate's server \(PostgreSQL 15\) lacks",
        ):
            apart(spec=ENTITY)
    assert expected.counts.different == 1 and expected.counts.candidate_only == 1


def test_a_read_spark_cannot_make_fails_the_entity_in_one_line(
    engines: Engines, monkeypatch: pytest.MonkeyPatch
) -> None:
    import comparisons.spark.engine as module
    from comparisons.spark.jdbc import JdbcSide

    real = module.jdbc_side

    def nowhere(conn: Any, snapshot: str) -> JdbcSide:
        return JdbcSide("jdbc:postgresql://127.0.0.1:9/nowhere", real(conn, snapshot).properties)

    monkeypatch.setattr(module, "jdbc_side", nowhere)
    engines.load(BOOK[:10], BOOK[:10])
    with pytest.raises(EntityQueryError, match=r"^t: the comparison on Spark failed: .*Connection"):
        engines.spark(ENTITY)
