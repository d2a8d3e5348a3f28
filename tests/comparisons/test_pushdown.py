"""Stage 1: exact counts from row hashes in PostgreSQL; only non-equal keys are kept."""

from __future__ import annotations

from typing import Any

import pytest

from comparisons import EntityQueryError
from comparisons.buckets import bucket_pass, new_seed
from comparisons.entity import plan_sides
from comparisons.plan import build_plan, describe
from comparisons.pushdown import Stage1, run_stage1
from comparisons.qualify import parse_query, render, side_query
from comparisons.work import EntityWork
from tests.comparisons.conftest import GL_SPEC, D, Pair, spec


def stage1(pair: Pair, entity: Any, max_detail_rows: int = 10_000) -> tuple[Stage1, int, int]:
    """Stage 1 counts, rows left in the keys table and in the examined table."""
    schemas = (pair.control, pair.candidate)
    queries = (side_query(entity.parsed, schemas[0], D), side_query(entity.parsed, schemas[1], D))
    plan, _, _ = plan_sides((pair.conn, pair.conn), entity, queries)  # as compare_entity plans
    work = EntityWork.of(pair.conn, entity, plan, schemas, D)
    temps = work.temps
    try:
        result = run_stage1(work, max_detail_rows)
        kept = [
            pair.conn.execute(f'SELECT count(*) FROM pg_temp."{temps.name(t)}"').fetchone()[0]  # type: ignore[index]
            for t in ("keys", "examined")
        ]
    finally:
        temps.drop(pair.conn)
    return result, kept[0], kept[1]


def test_counts_are_exact_and_only_unequal_keys_are_kept(gl_pair: Pair) -> None:
    result, keys_kept, examined = stage1(gl_pair, spec(**GL_SPEC))
    # stage 1 knows no tolerance: TX-2/1 (+0.01) is 'different' until stage 2 looks at it
    assert result == Stage1(
        control_rows=10,
        candidate_rows=11,
        equal=5,
        different=3,
        control_only=1,
        candidate_only=1,
        duplicate_keys=1,
        examined=6,
    )
    assert keys_kept == 6  # only the unequal keys
    assert examined == 6


def test_examined_keys_are_capped_round_robin_across_classes(gl_pair: Pair) -> None:
    result, _, examined = stage1(gl_pair, spec(**GL_SPEC), max_detail_rows=4)
    assert (result.different, result.control_only, result.candidate_only, result.duplicate_keys) == (
        3,
        1,
        1,
        1,
    )
    assert result.examined == examined == 4
    leftovers = gl_pair.conn.execute(
        "SELECT count(*) FROM pg_class WHERE relname LIKE 'harness_cmp_%' AND relpersistence = 't'"
    ).fetchone()
    assert leftovers == (0,)


def test_identical_sides_keep_nothing(pair: Pair) -> None:
    pair.both(
        "CREATE TABLE t (k integer, v text); INSERT INTO t SELECT i, 'v' || i FROM generate_series(1, 500) i"
    )
    result, keys_kept, examined = stage1(pair, spec(name="t", query="SELECT * FROM t", key=["k"]))
    assert (result.control_rows, result.candidate_rows, result.equal, result.not_equal) == (500, 500, 500, 0)
    assert (keys_kept, examined) == (0, 0)


def test_only_the_differing_keys_buckets_are_read_again(pair: Pair) -> None:
    pair.both(
        "CREATE TABLE t (k integer, v text); INSERT INTO t SELECT i, 'v' || i FROM generate_series(1, 5000) i"
    )
    pair.on(pair.candidate, "UPDATE t SET v = 'changed' WHERE k IN (17, 4711)")
    entity = spec(name="t", query="SELECT * FROM t", key=["k"])
    described = [
        describe(pair.conn, render(side_query(entity.parsed, s, D)), "x", "t")
        for s in (pair.control, pair.candidate)
    ]
    work = EntityWork.of(pair.conn, entity, build_plan(entity, *described), (pair.control, pair.candidate), D)
    buckets = bucket_pass(work, new_seed())
    assert (buckets.control_rows, buckets.candidate_rows) == (5000, 5000)
    assert 1 <= len(buckets.differing) <= 2  # the two keys' buckets, of 65,536


def test_a_key_repeated_is_a_duplicate_even_when_both_sides_repeat_it_alike(pair: Pair) -> None:
    """Double posting on both sides is still found, though the books' checksums agree. Values
    moved between two keys are found: the row hash covers the key."""
    pair.both("CREATE TABLE t (k integer, v text)")
    pair.on(pair.control, "INSERT INTO t VALUES (1, 'a'), (1, 'a'), (2, 'b'), (3, 'x'), (4, 'y')")
    pair.on(pair.candidate, "INSERT INTO t VALUES (1, 'a'), (1, 'a'), (2, 'b'), (3, 'y'), (4, 'x')")
    result, keys_kept, _ = stage1(pair, spec(name="t", query="SELECT * FROM t", key=["k"]))
    assert (result.equal, result.duplicate_keys, result.different, keys_kept) == (1, 1, 2, 3)


def test_equal_books_with_a_key_both_repeat_are_not_equal(pair: Pair) -> None:
    pair.both("CREATE TABLE t (k integer, v text); INSERT INTO t VALUES (1, 'a'), (1, 'a'), (2, 'b')")
    result, keys_kept, _ = stage1(pair, spec(name="t", query="SELECT * FROM t", key=["k"]))
    assert (result.equal, result.duplicate_keys, result.not_equal, keys_kept) == (1, 1, 1, 1)


def test_null_keys_are_compared_null_safe(pair: Pair) -> None:
    """Keys (NULL, 1) equal, (NULL, 2) different, ('a', NULL) control only."""
    pair.both("CREATE TABLE t (a text, b integer, v text)")
    pair.on(pair.control, "INSERT INTO t VALUES (NULL, 1, 'x'), (NULL, 2, 'x'), ('a', NULL, 'x')")
    pair.on(pair.candidate, "INSERT INTO t VALUES (NULL, 1, 'x'), (NULL, 2, 'y')")
    entity = spec(name="t", query="SELECT * FROM t", key=["a", "b"])
    result, _, _ = stage1(pair, entity)
    assert (result.equal, result.different, result.control_only, result.candidate_only) == (1, 1, 1, 0)
    full = pair.compare(entity)
    assert full.counts.different == 1 and full.counts.control_only == 1
    assert {s.to_dict()["kind"]: s.to_dict()["key"] for s in full.samples} == {
        "different": {"a": None, "b": "2"},
        "control_only": {"a": "a", "b": None},
    }


def test_numbers_compare_by_value_whatever_their_scale_or_type(pair: Pair) -> None:
    """numeric(18,2) vs numeric(18,4) and a text column declared numeric: 1.10 == 1.1000."""
    pair.on(
        pair.control,
        "CREATE TABLE t (k int, amount numeric(18,2), txt text); INSERT INTO t VALUES (1, 1.10, '2.50')",
    )
    pair.on(
        pair.candidate,
        "CREATE TABLE t (k int, amount numeric(18,4), txt text); INSERT INTO t VALUES (1, 1.1, '2.5000')",
    )
    result, _, _ = stage1(pair, spec(name="t", query="SELECT * FROM t", key=["k"], numeric=["txt"]))
    assert (result.equal, result.different) == (1, 0)


def test_types_that_differ_between_sides_are_compared_as_text(pair: Pair) -> None:
    """int vs bigint key and integer vs text value: equal when the text is."""
    pair.on(pair.control, "CREATE TABLE t (k int, v integer); INSERT INTO t VALUES (1, 7), (2, 8)")
    pair.on(pair.candidate, "CREATE TABLE t (k bigint, v text); INSERT INTO t VALUES (1, '7'), (2, '08')")
    result, _, _ = stage1(pair, spec(name="t", query="SELECT * FROM t", key=["k"]))
    assert (result.equal, result.different) == (1, 1)


def test_the_query_is_qualified_per_side_leaving_ctes_alone() -> None:
    query = parse_query(
        "WITH x AS (SELECT * FROM gl WHERE business_date = :business_date) "
        'SELECT x.*, p."Name" FROM x JOIN source.policy p ON true JOIN "Voucher" v ON true'
    )
    assert render(side_query(query, "run_1_control", D)) == (
        "WITH x AS (SELECT * FROM \"run_1_control\".gl WHERE business_date = CAST('2024-03-01' AS DATE)) "
        'SELECT x.*, p."Name" FROM x JOIN source.policy AS p ON TRUE '
        'JOIN "run_1_control"."Voucher" AS v ON TRUE'
    )


def test_a_query_failing_on_one_side_names_the_side(pair: Pair) -> None:
    pair.on(pair.control, "CREATE TABLE t (k int)")
    with pytest.raises(
        EntityQueryError, match=r"^t: the candidate query failed: relation \"cnd.t\" does not exist"
    ):
        pair.compare(spec(name="t", query="SELECT * FROM t", key=["k"]))


def test_a_key_the_query_does_not_return_is_named(pair: Pair) -> None:
    pair.both("CREATE TABLE t (k int)")
    with pytest.raises(
        EntityQueryError, match=r"key column 'K' is not returned by the control query \(it returns: k\)"
    ):
        pair.compare(spec(name="t", query="SELECT * FROM t", key=["K"]))


SWAPS = [
    # two keys trade their values: the books hold the same multiset of values
    ("k integer, v text", "(3, 'x'), (4, 'y')", "(3, 'y'), (4, 'x')", ["k"]),
    # keys (a, a) and (b, b): a key hash that cancels its columns would seed both alike
    (
        "a text, b text, v text",
        "('p', 'p', 'x'), ('q', 'q', 'y')",
        "('p', 'p', 'y'), ('q', 'q', 'x')",
        ["a", "b"],
    ),
    # two columns trade values within a row, and keys (a, b) / (b, a) trade rows
    ("a text, b text, v text, w text", "('p', 'q', 'x', 'y')", "('p', 'q', 'y', 'x')", ["a", "b"]),
    (
        "a text, b text, v text",
        "('p', 'q', 'x'), ('q', 'p', 'y')",
        "('p', 'q', 'y'), ('q', 'p', 'x')",
        ["a", "b"],
    ),
]


@pytest.mark.parametrize(("columns", "control", "candidate", "key"), SWAPS)
def test_values_traded_between_keys_or_columns_differ_whatever_the_seed(
    pair: Pair, monkeypatch: pytest.MonkeyPatch, columns: str, control: str, candidate: str, key: list[str]
) -> None:
    """hash_record_extended is linear in its fields' hashes; summed or xored naively, a trade
    of values would leave a bucket's checksum unchanged. Every seed must still find it."""
    pair.both(f"CREATE TABLE t ({columns})")
    pair.on(pair.control, f"INSERT INTO t VALUES {control}")
    pair.on(pair.candidate, f"INSERT INTO t VALUES {candidate}")
    entity = spec(name="t", query="SELECT * FROM t", key=key)
    expected = control.count("(")  # every key differs
    for seed in range(1, 41):
        monkeypatch.setattr("comparisons.pushdown.new_seed", lambda seed=seed: seed)
        result, _, _ = stage1(pair, entity)
        assert (result.different, result.equal) == (expected, 0), f"seed {seed}"


# One bucket for every key: an xor cancels a pair of equal rows, so within a bucket only the
# row counts and the control's repeated keys can tell these books apart.
PAIRS_IN_ONE_BUCKET = [
    # (control rows, candidate rows, control's key unique, expected (equal, duplicate_keys, control_only))
    ("(1, 'a'), (2, 'b')", "(1, 'a'), (1, 'a')", True, (0, 1, 1)),
    ("(1, 'a'), (2, 'b'), (3, 'c')", "(1, 'a'), (1, 'a'), (1, 'a')", True, (0, 1, 2)),
    ("(1, 'a'), (2, 'b')", "(1, 'a'), (2, 'b'), (3, 'c'), (3, 'c')", True, (2, 1, 0)),
    # equal counts and equal xors (b = b ^ c ^ c): only the control's repeated key 1 tells
    ("(1, 'a'), (1, 'a'), (2, 'b')", "(2, 'b'), (3, 'c'), (3, 'c')", False, (1, 2, 0)),
]


@pytest.mark.parametrize(("control", "candidate", "unique", "expected"), PAIRS_IN_ONE_BUCKET)
def test_doubled_rows_do_not_cancel_in_a_bucket_whatever_the_seed(
    pair: Pair,
    monkeypatch: pytest.MonkeyPatch,
    control: str,
    candidate: str,
    unique: bool,
    expected: tuple[int, int, int],
) -> None:
    monkeypatch.setattr("comparisons.buckets.BUCKETS", 1)
    pair.on(pair.control, f"CREATE TABLE t (k integer {'PRIMARY KEY' if unique else ''}, v text)")
    pair.on(pair.candidate, "CREATE TABLE t (k integer, v text)")
    pair.on(pair.control, f"INSERT INTO t VALUES {control}")
    pair.on(pair.candidate, f"INSERT INTO t VALUES {candidate}")
    entity = spec(name="t", query="SELECT * FROM t", key=["k"])
    for seed in range(1, 21):
        monkeypatch.setattr("comparisons.pushdown.new_seed", lambda seed=seed: seed)
        result, _, _ = stage1(pair, entity)
        assert (result.equal, result.duplicate_keys, result.control_only) == expected, f"seed {seed}"


@pytest.mark.parametrize("amount", ["numeric(18,2)", "numeric"])
def test_null_nan_and_numbers_differ_whether_or_not_the_column_declares_a_precision(
    pair: Pair, monkeypatch: pytest.MonkeyPatch, amount: str
) -> None:
    """A declared precision refuses Infinity, so only NULL and NaN need telling apart there;
    NaN hashes to the seed, which is 0 for a NULL key, as a NULL amount hashes."""
    pair.both(f"CREATE TABLE t (k integer, amount {amount})")
    pair.on(pair.control, "INSERT INTO t VALUES (1, NULL), (2, 'NaN'), (3, 1.5), (NULL, NULL)")
    pair.on(pair.candidate, "INSERT INTO t VALUES (1, 'NaN'), (2, NULL), (3, 1.50), (NULL, 'NaN')")
    entity = spec(name="t", query="SELECT * FROM t", key=["k"])
    for seed in range(1, 11):
        monkeypatch.setattr("comparisons.pushdown.new_seed", lambda seed=seed: seed)
        result, _, _ = stage1(pair, entity)
        assert (result.equal, result.different) == (1, 3), f"seed {seed}"
