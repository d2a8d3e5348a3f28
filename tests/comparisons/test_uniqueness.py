"""When the catalog proves a key unique, stage 1 skips looking for a key the control repeats;
only the plainest query over a table with a fitting unique index is proven."""

from __future__ import annotations

import pytest

from comparisons.plan import build_plan, describe
from comparisons.qualify import render, side_query
from comparisons.uniqueness import key_is_unique
from tests.comparisons.conftest import D, Pair, spec

TABLES = """
CREATE TABLE t (k integer NOT NULL, r text NOT NULL, v text, PRIMARY KEY (k, r));
CREATE TABLE loose (k integer, v text);
CREATE UNIQUE INDEX loose_k ON loose (k);
CREATE TABLE strict (k integer, v text, UNIQUE NULLS NOT DISTINCT (k));
CREATE TABLE partial (k integer NOT NULL, v text);
CREATE UNIQUE INDEX partial_k ON partial (k) WHERE v IS NOT NULL;
CREATE TABLE parent (k integer PRIMARY KEY, v text);
CREATE TABLE folded (k text COLLATE "C" NOT NULL, v text);
CREATE UNIQUE INDEX folded_k ON folded (k COLLATE "POSIX");
CREATE TABLE child () INHERITS (parent);
INSERT INTO t VALUES (1, 'a', 'x'), (2, 'a', 'y');
"""


def proven(pair: Pair, query: str, key: list[str]) -> bool:
    entity = spec(name="e", query=query, key=key)
    qualified = side_query(entity.parsed, pair.control, D)
    plan = build_plan(entity, *[describe(pair.conn, render(qualified), "x", "e")] * 2)
    return key_is_unique(pair.conn, qualified, plan)


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("SELECT * FROM t", ["k", "r"]),
        ("SELECT k, r, v FROM t WHERE v <> 'z'", ["k", "r", "v"]),  # a superset of the index
        ("SELECT k AS id, r, v FROM t", ["id", "r"]),
        ("SELECT * FROM strict", ["k"]),
    ],
)
def test_a_plain_query_over_a_fitting_unique_index_is_proven(pair: Pair, query: str, key: list[str]) -> None:
    pair.on(pair.control, TABLES)
    assert proven(pair, query, key)


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("SELECT * FROM t", ["k"]),  # the index needs r too
        ("SELECT * FROM loose", ["k"]),  # NULLs are distinct: two NULL keys may exist
        ("SELECT * FROM partial", ["k"]),
        ("SELECT * FROM parent", ["k"]),  # the child's rows are not under the index
        ("SELECT k, r, pg_catalog.generate_series(1, 2) AS g FROM t", ["k", "r"]),  # two rows each
        ("SELECT t.k, t.r FROM t JOIN t AS u ON u.v = t.v", ["k", "r"]),
        ("SELECT DISTINCT ON (v) k, r FROM t", ["k", "r"]),
        ("SELECT k, r FROM t UNION ALL SELECT k, r FROM t", ["k", "r"]),
        ("WITH w AS (SELECT * FROM t) SELECT * FROM w", ["k", "r"]),
        ("SELECT k::text AS k, r FROM t", ["k", "r"]),
        # the index's equality is not the column's (with a case-blind column collation, 'a' and
        # 'A' would be two rows under the index and one key to the comparison)
        ("SELECT * FROM folded", ["k"]),
    ],
)
def test_anything_else_is_not_proven(pair: Pair, query: str, key: list[str]) -> None:
    pair.on(pair.control, TABLES)
    assert not proven(pair, query, key)


def test_a_set_returning_select_list_over_a_primary_key_still_counts_its_duplicates(pair: Pair) -> None:
    pair.both(TABLES)
    entity = spec(name="e", query="SELECT k, r, pg_catalog.generate_series(1, 2) AS g FROM t", key=["k", "r"])
    counts = pair.compare(entity).counts
    assert (counts.duplicate_keys, counts.equal) == (2, 0)
