"""NULL, NaN and the infinities hash alike as numbers (all to the seed): they must still differ."""

from __future__ import annotations

import pytest

from tests.comparisons.conftest import Pair, spec

SPEC = {"name": "amounts", "query": "SELECT k, v FROM t WHERE d = :business_date", "key": ["k"]}


@pytest.mark.parametrize(
    ("control", "candidate"),
    [("NULL", "'NaN'"), ("'NaN'", "'Infinity'"), ("'Infinity'", "'-Infinity'"), ("NULL", "'-Infinity'")],
)
@pytest.mark.parametrize("column_type", ["numeric", "double precision"])
def test_special_numbers_are_differences(pair: Pair, control: str, candidate: str, column_type: str) -> None:
    table = f"CREATE TABLE t (k integer, v {column_type}, d date); "
    rows = "INSERT INTO t VALUES (1, {}, '2024-03-01'), (2, 1.5, '2024-03-01')"
    pair.on(pair.control, table + rows.format(control))
    pair.on(pair.candidate, table + rows.format(candidate))
    result = pair.compare(spec(**SPEC))
    assert result.counts.different == 1, result.counts
    assert result.verdict == "MISMATCH"
    assert result.counts.equal == 1
