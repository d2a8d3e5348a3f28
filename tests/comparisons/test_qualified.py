"""The comparison's own SQL calls only schema-qualified functions (pg_catalog, or pg_temp for
the JSON fallback), so a side cannot change its verdict by defining a function of the same
name in its schema or in public; and it gives the same counts with search_path pinned."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest
from sqlglot import exp

from comparisons.buckets import Buckets, checksums_statement, narrowing_statement
from comparisons.expressions import INVALID_JSON_PREFIX, JSON_FUNCTION, json_function_sql
from comparisons.plan import build_plan
from comparisons.pushdown import keys_statement
from comparisons.qualify import side_query
from comparisons.work import TempTables
from tests.comparisons.conftest import GL_SPEC, JOURNAL_SPEC, D, Pair, accepted, spec

# Words that take parentheses without being a function call.
# fmt: off
KEYWORDS = frozenset({
    "AND", "ANY", "AS", "JOIN", "LATERAL", "CASE", "CAST", "COALESCE", "EXISTS", "FILTER", "FROM", "GROUPING", "IN",
    "MATERIALIZED", "NOT", "ON", "OR", "OVER", "ROW", "SELECT", "SETS", "USING", "VALUES", "WHERE",
})
# fmt: on
CALL = re.compile(r"(?:(\w+)\.)?([A-Za-z_]\w*)\s*\(")
QUALIFIERS = {"pg_catalog", "pg_temp"}
PINNED = "SET search_path = pg_catalog, pg_temp"


def unqualified_calls(statement: str) -> list[str]:
    """Function calls in ``statement`` not qualified with pg_catalog or pg_temp."""
    text = re.sub(r"--[^\n]*", "", statement)
    text = re.sub(r"'(?:[^']|'')*'", "''", text)  # literals and quoted names hold no calls
    text = re.sub(r'"(?:[^"]|"")*"', '"x"', text)
    return [
        m.group(0)
        for m in CALL.finditer(text)
        if m.group(1) not in QUALIFIERS and m.group(2).upper() not in KEYWORDS
    ]


def test_the_check_finds_unqualified_calls() -> None:
    assert unqualified_calls('SELECT bit_xor(h), public.lower(x), "s".f (1) FROM t') == [
        "bit_xor(",
        "public.lower(",
        "f (",
    ]
    assert unqualified_calls("SELECT pg_catalog.count(*), CAST(x AS text), 'lower(x)' -- f(x)") == []


@pytest.mark.parametrize("server_version", [180000, 150000], ids=["pg_input_is_valid", "pg_temp-fallback"])
def test_the_stage1_statement_calls_only_qualified_functions(server_version: int) -> None:
    entity = spec(
        name="t",
        query="SELECT * FROM t WHERE business_date = :business_date",
        key=["k", "ref"],
        numeric=["amount_text"],
        normalizers={"name": "trim", "code": "casefold", "metadata": "json"},
    )
    columns = [("k", 23), ("ref", 25), ("amount_text", 25), ("name", 25), ("code", 25), ("metadata", 25)]
    plan = build_plan(entity, [*columns, ("v", 1700)], [*columns, ("v", 25)])
    sides = [side_query(entity.parsed, schema, D) for schema in ("ctl", "cnd")]
    checksums = checksums_statement(plan, sides, server_version, 7).as_string()
    buckets = Buckets(1, 1, differing=(3,))
    temps = TempTables()
    narrowing = narrowing_statement(plan, sides[0], 0, 7, buckets, temps.create("rows0"))
    statement = (
        checksums + narrowing + keys_statement(plan, sides, server_version, temps.create("keys"), 7, buckets)
    )
    for name in (
        "hash_record_extended",
        "hashint4extended",
        "hashtextextended",
        "get_bit",
        "count",
        "sum",
        "bit_xor",
    ):
        assert f"pg_catalog.{name}(" in statement
    for name in ("btrim", "lower", "array_agg"):
        assert f"pg_catalog.{name}(" in statement
    expected = "pg_catalog.pg_input_is_valid(" if server_version >= 160000 else f"pg_temp.{JSON_FUNCTION}("
    assert expected in statement
    assert unqualified_calls(statement) == []


class Recording:
    """The connection, recording the text of every statement run on it (and its cursors)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn
        self.statements: list[str] = []

    def record(self, query: Any) -> None:
        if isinstance(query, bytes):
            self.statements.append(query.decode())
        else:
            self.statements.append(query if isinstance(query, str) else query.as_string(self._conn))

    def execute(self, query: Any, params: Any = None) -> Any:
        self.record(query)
        return self._conn.execute(query, params)

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self, self._conn.cursor())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class RecordingCursor:
    def __init__(self, recording: Recording, cursor: psycopg.Cursor[Any]) -> None:
        self._recording = recording
        self._cursor = cursor

    def __enter__(self) -> RecordingCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cursor.close()

    def execute(self, query: Any, params: Any = None) -> Any:
        self._recording.record(query)
        return self._cursor.execute(query, params)

    def copy(self, statement: Any) -> Any:
        self._recording.record(statement)
        return self._cursor.copy(statement)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


@pytest.mark.parametrize("fallback", [False, True], ids=["pg_input_is_valid", "pg_temp-fallback"])
def test_every_statement_of_a_comparison_calls_only_qualified_functions(
    journal_pair: Pair, monkeypatch: pytest.MonkeyPatch, fallback: bool
) -> None:
    """Both stages, the accepted differences (a where loads the pairs) and the settings."""
    if fallback:
        monkeypatch.setattr("comparisons.expressions.PG_INPUT_IS_VALID", 10**9)
    recording = Recording(journal_pair.conn)
    journal_pair.conn = recording  # type: ignore[assignment]
    entry = {"id": "any-j3", "entity": "journals", "columns": ["metadata"], "where": "control.ledger = 'IE1'"}
    result = journal_pair.compare(spec(**JOURNAL_SPEC), accepted(entry))
    assert (result.counts.different, result.counts.accepted) == (3, 1)
    assert len(recording.statements) > 10
    assert [c for s in recording.statements for c in unqualified_calls(s)] == []


def test_the_json_fallback_is_a_packaged_sql_file() -> None:
    text = json_function_sql()
    assert f"CREATE OR REPLACE FUNCTION pg_temp.{JSON_FUNCTION}(t text)" in text
    assert f"RETURN '{INVALID_JSON_PREFIX}' || t;" in text


GL_EXPECTED = {"equal": 6, "different": 2, "control_only": 1, "candidate_only": 1, "duplicate_keys": 1}


def counts(result: Any) -> dict[str, int]:
    return {name: getattr(result.counts, name) for name in GL_EXPECTED}


@pytest.mark.parametrize("fallback", [False, True], ids=["pg_input_is_valid", "pg_temp-fallback"])
def test_counts_are_the_same_with_search_path_pinned(
    gl_pair: Pair, journal_pair: Pair, monkeypatch: pytest.MonkeyPatch, fallback: bool
) -> None:
    if fallback:
        monkeypatch.setattr("comparisons.expressions.PG_INPUT_IS_VALID", 10**9)
    gl_pair.conn.execute(PINNED)
    assert counts(gl_pair.compare(spec(**GL_SPEC))) == GL_EXPECTED
    journals = journal_pair.compare(spec(**JOURNAL_SPEC)).counts
    assert (journals.equal, journals.different, journals.invalid_json) == (4, 3, 2)
    assert gl_pair.conn.execute("SHOW search_path").fetchone() == ("pg_catalog, pg_temp",)


SHADOWS = """
CREATE FUNCTION cnd.add_nothing(numeric, bigint) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT 0::numeric';
CREATE AGGREGATE cnd.sum(bigint) (SFUNC = cnd.add_nothing, STYPE = numeric, INITCOND = '0');
CREATE FUNCTION cnd.xor_nothing(bigint, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT 0::bigint';
CREATE AGGREGATE cnd.bit_xor(bigint) (SFUNC = cnd.xor_nothing, STYPE = bigint, INITCOND = '0');
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''same''';
"""


def test_functions_a_side_defines_cannot_shadow_the_built_ins(
    gl_pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The candidate's schema holds a bit_xor(bigint) that finds every xor of hashes equal, a
    sum(bigint) that finds every count 0, and public a lower(text) that makes every text alike, both ahead of pg_catalog on the
    search_path: the counts stay right. Unqualified, the same calls would be fooled."""
    gl_pair.on(gl_pair.candidate, "UPDATE gl SET account_code = '1199' WHERE txn_reference = 'TX-6'")
    entity = spec(**{**GL_SPEC, "normalizers": {"account_code": "casefold"}})
    expected = {**GL_EXPECTED, "equal": 5, "different": 3}  # TX-6/1's account code differs
    assert counts(gl_pair.compare(entity)) == expected
    gl_pair.conn.execute(SHADOWS)
    gl_pair.conn.execute("SET search_path = cnd, public, pg_catalog, pg_temp")
    assert counts(gl_pair.compare(entity)) == expected

    def unqualified(name: str, *arguments: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this=name, expressions=list(arguments))

    monkeypatch.setattr("comparisons.pushdown.catalog_call", unqualified)
    monkeypatch.setattr("comparisons.buckets.catalog_call", unqualified)
    assert counts(gl_pair.compare(entity))["different"] == 0  # bit_xor: every pair "equal"
    monkeypatch.undo()
    monkeypatch.setattr("comparisons.expressions.catalog_call", unqualified)
    assert counts(gl_pair.compare(entity))["different"] == 2  # lower: TX-6/1 "equal"
