"""Schema diff: a compared column one side lacks fails the entity; a type change is reported."""

from __future__ import annotations

import pytest

from comparisons import Verdict
from comparisons.errors import SpecError
from tests.comparisons.conftest import Pair, spec

ENTITY = spec(name="t", query="SELECT * FROM t", key=["k"])


def test_a_column_missing_on_a_side_is_a_mismatch_even_when_the_other_side_is_all_null(pair: Pair) -> None:
    """Without the schema diff this compared equal: NULL on both sides, row by row."""
    pair.on(pair.control, "CREATE TABLE t (k int, note text); INSERT INTO t VALUES (1, NULL), (2, NULL)")
    pair.on(pair.candidate, "CREATE TABLE t (k int); INSERT INTO t VALUES (1), (2)")
    result = pair.compare(ENTITY)
    assert result.counts.differences == 0
    assert result.verdict is Verdict.MISMATCH
    assert [f.to_dict() for f in result.schema] == [
        {
            "column": "note",
            "kind": "missing_on_candidate",
            "control_type": "text",
            "candidate_type": None,
            "fails": True,
        }
    ]
    assert result.schema[0].describe() == "note: not returned by the candidate query"


def test_an_ignored_missing_column_is_no_finding(pair: Pair) -> None:
    pair.on(pair.control, "CREATE TABLE t (k int, note text); INSERT INTO t VALUES (1, NULL)")
    pair.on(pair.candidate, "CREATE TABLE t (k int); INSERT INTO t VALUES (1)")
    result = pair.compare(spec(name="t", query="SELECT * FROM t", key=["k"], ignore=["note"]))
    assert (result.verdict, result.schema) == (Verdict.MATCH, ())


def test_a_type_change_is_reported_beside_a_match(pair: Pair) -> None:
    pair.on(pair.control, "CREATE TABLE t (k int, name text); INSERT INTO t VALUES (1, 'a')")
    pair.on(pair.candidate, "CREATE TABLE t (k int, name varchar(400)); INSERT INTO t VALUES (1, 'a')")
    result = pair.compare(ENTITY)
    assert result.verdict is Verdict.MATCH
    assert [f.describe() for f in result.schema] == ["name: control text, candidate varchar(400)"]
    assert result.to_dict()["schema"][0]["kind"] == "type"


def test_a_type_change_fails_the_entity_that_declares_type_differences_fail(pair: Pair) -> None:
    pair.on(pair.control, "CREATE TABLE t (k int, name text); INSERT INTO t VALUES (1, 'a')")
    pair.on(pair.candidate, "CREATE TABLE t (k int, name varchar(400)); INSERT INTO t VALUES (1, 'a')")
    strict = spec(name="t", query="SELECT * FROM t", key=["k"], type_differences="fail")
    result = pair.compare(strict)
    assert (result.verdict, result.counts.differences) == (Verdict.MISMATCH, 0)
    assert result.to_dict()["schema"][0] == {
        "column": "name",
        "kind": "type",
        "control_type": "text",
        "candidate_type": "varchar(400)",
        "fails": True,
    }


def test_type_differences_takes_report_or_fail_only() -> None:
    with pytest.raises(SpecError, match=r'type_differences must be "report" or "fail", got \'strict\''):
        spec(name="t", query="SELECT * FROM t", key=["k"], type_differences="strict")
