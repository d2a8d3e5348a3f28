"""Stage 2: datacompy on the examined rows decides tolerances, JSON and normalizers, and
gives column statistics, patterns and samples; the result has the run document's shape."""

from __future__ import annotations

import pytest

from comparisons import Verdict
from tests.comparisons.conftest import GL_SPEC, JOURNAL_SPEC, Pair, spec

COUNT_KEYS = [
    "control_rows",
    "candidate_rows",
    "equal",
    "different",
    "control_only",
    "candidate_only",
    "duplicate_keys",
    "within_tolerance",
    "invalid_json",
    "accepted",
    "unexplained",
    "examined",
]


def test_gl_differences_are_classified_exactly(gl_pair: Pair) -> None:
    result = gl_pair.compare(spec(**GL_SPEC)).to_dict()
    assert result["verdict"] == "MISMATCH"
    assert result["counts"] == {
        "control_rows": 10,
        "candidate_rows": 11,
        "equal": 6,
        "different": 2,
        "control_only": 1,
        "candidate_only": 1,
        "duplicate_keys": 1,
        "within_tolerance": 1,
        "invalid_json": 0,
        "accepted": 0,
        "unexplained": 5,
        "examined": 6,
    }
    assert result["columns"] == [{"column": "base_amount", "mismatches": 2, "max_difference": 5.0}]


def test_the_result_has_the_run_document_shape(gl_pair: Pair) -> None:
    result = gl_pair.compare(spec(**GL_SPEC)).to_dict()
    assert list(result) == [
        "business_date",
        "entity",
        "verdict",
        "key",
        "counts",
        "columns",
        "patterns",
        "samples",
        "accepted",
        "error",
        "expectation_unmet",
        "schema",
    ]
    assert list(result["counts"]) == COUNT_KEYS
    assert (result["business_date"], result["entity"], result["key"], result["error"]) == (
        "2024-03-01",
        "gl",
        ["txn_reference", "line_no"],
        None,
    )
    assert result["accepted"] == {}


def test_patterns_group_by_kind_columns_and_context(gl_pair: Pair) -> None:
    patterns = gl_pair.compare(spec(**GL_SPEC)).to_dict()["patterns"]
    assert sorted(
        (p["kind"], tuple(p["columns"]), p["context"]["txn_type"], p["rows"]) for p in patterns
    ) == [
        ("candidate_only", (), "RENEWAL", 1),
        ("control_only", (), "CLAIM_PAYMENT", 1),
        ("different", ("base_amount",), "NEW_BUSINESS", 1),
        ("different", ("base_amount",), "RENEWAL", 1),
        ("duplicate_key", (), "CLAIM_PAYMENT", 1),
    ]
    assert all(set(p) == {"columns", "kind", "context", "rows", "accepted_by"} for p in patterns)


def test_samples_show_both_sides_of_the_differing_columns_and_the_context(gl_pair: Pair) -> None:
    """The context (txn_type) is in every sample: it says where a row belongs (root causes)."""
    samples = {
        s["key"]["txn_reference"] + "/" + s["key"]["line_no"]: s
        for s in (s.to_dict() for s in gl_pair.compare(spec(**GL_SPEC)).samples)
    }
    assert sorted(samples) == ["TX-1/1", "TX-2/2", "TX-3/1", "TX-4/1", "TX-9/1"]
    assert samples["TX-1/1"] == {
        "key": {"txn_reference": "TX-1", "line_no": "1"},
        "kind": "different",
        "differing": ["base_amount"],
        "accepted_by": None,
        "control": {"base_amount": "100.00", "txn_type": "NEW_BUSINESS"},
        "candidate": {"base_amount": "105.00", "txn_type": "NEW_BUSINESS"},
    }
    assert samples["TX-3/1"]["candidate"] is None
    assert samples["TX-3/1"]["control"] == {
        "account_code": "6000",
        "txn_amount": "10.00",
        "base_amount": "10.00",
        "business_date": "2024-03-01",
        "txn_type": "CLAIM_PAYMENT",
    }
    assert samples["TX-9/1"]["control"] is None


def test_samples_are_capped_at_twenty(pair: Pair) -> None:
    pair.both("CREATE TABLE t (k int, v int); INSERT INTO t SELECT i, i FROM generate_series(1, 50) i")
    pair.on(pair.candidate, "UPDATE t SET v = v + 1")
    result = pair.compare(spec(name="t", query="SELECT * FROM t", key=["k"]))
    assert (result.counts.different, result.counts.examined, len(result.samples)) == (50, 50, 20)


def test_exact_by_default(pair: Pair) -> None:
    """No tolerance: a difference of one minor unit is a difference."""
    pair.both("CREATE TABLE t (k int, amount numeric(18,2)); INSERT INTO t VALUES (1, 1.00)")
    pair.on(pair.candidate, "UPDATE t SET amount = 1.01")
    result = pair.compare(spec(name="t", query="SELECT * FROM t", key=["k"]))
    assert (result.counts.different, result.counts.within_tolerance, result.verdict) == (
        1,
        0,
        Verdict.MISMATCH,
    )


def test_only_within_tolerance_is_a_match(pair: Pair) -> None:
    """Tolerance of 2 minor units: +0.02 is within, so the verdict is MATCH."""
    pair.both("CREATE TABLE t (k int, amount numeric(18,2)); INSERT INTO t VALUES (1, 1.00), (2, 2.00)")
    pair.on(pair.candidate, "UPDATE t SET amount = amount + 0.02 WHERE k = 1")
    result = pair.compare(spec(name="t", query="SELECT * FROM t", key=["k"], tolerances={"amount": 2}))
    assert (result.counts.equal, result.counts.within_tolerance, result.verdict) == (2, 1, Verdict.MATCH)
    assert [c.to_dict() for c in result.columns] == [
        {"column": "amount", "mismatches": 0, "max_difference": 0.02}
    ]


def test_minor_units_follow_the_entitys_decimals(pair: Pair) -> None:
    """minor_unit_decimals = 0 (say JPY): a tolerance of 1 is one whole unit."""
    pair.both("CREATE TABLE t (k int, amount numeric(18,2)); INSERT INTO t VALUES (1, 100), (2, 100)")
    pair.on(pair.candidate, "UPDATE t SET amount = amount + CASE k WHEN 1 THEN 1 ELSE 1.01 END")
    entity = spec(
        name="t", query="SELECT * FROM t", key=["k"], tolerances={"amount": 1}, minor_unit_decimals=0
    )
    result = pair.compare(entity)
    assert (result.counts.within_tolerance, result.counts.different) == (1, 1)


def test_json_is_compared_parsed_and_invalid_json_is_its_own_kind(journal_pair: Pair) -> None:
    result = journal_pair.compare(spec(**JOURNAL_SPEC))
    counts = result.counts
    assert (counts.equal, counts.different, counts.invalid_json, counts.within_tolerance) == (4, 3, 2, 0)
    assert counts.examined == 4  # J1 differs in its text only: found equal once parsed
    assert result.verdict is Verdict.MISMATCH
    kinds = {s.key["txn_reference"]: (s.kind, s.differing) for s in result.samples}
    assert kinds == {
        "J2": ("invalid_json", ("metadata",)),
        "J3": ("different", ("metadata",)),
        "J6": ("invalid_json", ("metadata",)),
    }
    assert [c.to_dict() for c in result.columns] == [
        {"column": "metadata", "mismatches": 3, "max_difference": None}
    ]


def test_casefold_normalizer(pair: Pair) -> None:
    pair.both("CREATE TABLE t (k int, name text); INSERT INTO t VALUES (1, 'ACME Ltd'), (2, 'Bob')")
    pair.on(
        pair.candidate, "UPDATE t SET name = 'acme LTD' WHERE k = 1; UPDATE t SET name = 'Rob' WHERE k = 2"
    )
    entity = spec(name="t", query="SELECT * FROM t", key=["k"], normalizers={"name": "casefold"})
    assert (pair.compare(entity).counts.equal, pair.compare(entity).counts.different) == (1, 1)


def test_beyond_the_cap_every_key_is_still_classified_exactly(gl_pair: Pair) -> None:
    """4 keys examined, one per class; TX-2/1 (within tolerance) is not among them, yet the
    classification in the database still finds it within tolerance: the cap bounds the
    samples, never the counts."""
    result = gl_pair.compare(spec(**GL_SPEC), max_detail_rows=4)
    assert result.counts.to_dict() == {
        "control_rows": 10,
        "candidate_rows": 11,
        "equal": 6,
        "different": 2,
        "control_only": 1,
        "candidate_only": 1,
        "duplicate_keys": 1,
        "within_tolerance": 1,
        "invalid_json": 0,
        "accepted": 0,
        "unexplained": 5,
        "examined": 4,
    }
    assert result.verdict is Verdict.MISMATCH


def test_a_column_only_one_side_returns_differs_where_the_other_has_a_value(pair: Pair) -> None:
    pair.on(pair.control, "CREATE TABLE t (k int); INSERT INTO t VALUES (1), (2)")
    pair.on(pair.candidate, "CREATE TABLE t (k int, extra text); INSERT INTO t VALUES (1, NULL), (2, 'x')")
    result = pair.compare(spec(name="t", query="SELECT * FROM t", key=["k"]))
    assert (result.counts.equal, result.counts.different) == (1, 1)
    assert result.samples[0].to_dict()["candidate"] == {"extra": "x"}


def test_temp_tables_are_dropped_and_work_mem_restored(gl_pair: Pair) -> None:
    before = gl_pair.conn.execute("SHOW work_mem").fetchone()
    gl_pair.compare(spec(**GL_SPEC))
    temp = gl_pair.conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'harness_cmp_%'").fetchone()
    assert temp == (0,)
    assert gl_pair.conn.execute("SHOW work_mem").fetchone() == before


def test_json_validity_without_pg_input_is_valid(journal_pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    """The PostgreSQL 15 path (a pg_temp function catching the jsonb cast error) classifies
    the same, including text jsonb rejects but IS JSON accepts ("\\u0000", a lone surrogate)."""
    journal_pair.on(
        journal_pair.control,
        r"""INSERT INTO journal VALUES
        (8, 'J8', '2024-03-01', 'UK1', 'RENEWAL', 'x', '{"name": "nul\u0000"}'),
        (9, 'J9', '2024-03-01', 'UK1', 'RENEWAL', 'x', '{"name": "half \ud800"}')""",
    )
    journal_pair.on(
        journal_pair.candidate,
        r"""INSERT INTO journal VALUES
        (18, 'J8', '2024-03-01', 'UK1', 'RENEWAL', 'x', '{"name": "nul"}'),
        (19, 'J9', '2024-03-01', 'UK1', 'RENEWAL', 'x', '{"name": "half"}')""",
    )
    entity = spec(**JOURNAL_SPEC)
    modern = journal_pair.compare(entity).to_dict()
    monkeypatch.setattr("comparisons.expressions.PG_INPUT_IS_VALID", 10**9)
    fallback = journal_pair.compare(entity).to_dict()
    assert modern == fallback
    assert (modern["counts"]["different"], modern["counts"]["invalid_json"]) == (5, 4)


def test_a_duplicate_key_sample_says_how_many_rows_each_side_has(gl_pair: Pair) -> None:
    samples = [s.to_dict() for s in gl_pair.compare(spec(**GL_SPEC)).samples if s.kind == "duplicate_key"]
    assert len(samples) == 1
    per_side = samples[0]["rows_per_side"]
    assert per_side["control"] != per_side["candidate"] or per_side["control"] > 1
    assert max(per_side.values()) >= 2
