"""Stage 2's detail on Spark: which examined keys and columns differ, by SparkSQLCompare.

The examined keys' normalized values (comparisons.normalize, as for pandas) become two
Spark DataFrames joined on the key; one custom comparator applies the plan's rules:
numbers within the column's tolerance through the same ``numbers_equal`` as pandas (a
Python UDF: exact decimals, which Spark's 38-digit decimals are not), everything else
NULL-safe equality of the normalized text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

import pandas as pd
from datacompy.comparator.base import BaseComparator

from comparisons.normalize import numbers_equal
from comparisons.plan import Column, Rule

SHUFFLE = "spark.sql.shuffle.partitions"
SIDES = ("control", "candidate")
JOIN = "_key"


@dataclass(frozen=True)
class Matches:
    """datacompy's answer: the keys (JSON text) on one side only, and per key on both sides
    whether each compared column (c0, c1, ...) matches."""

    control_only: tuple[str, ...]
    candidate_only: tuple[str, ...]
    both: dict[str, dict[str, bool]]


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def numbers_match(a: str | None, b: str | None, tolerance: str) -> bool:
    """Within the tolerance (the pandas comparator's own rule); exact numbers do not come here."""
    return numbers_equal(_decimal(a), _decimal(b), Decimal(tolerance))


class SparkPlanComparator(BaseComparator):
    """datacompy's Spark comparator for every compared column: the plan's rule, exactly."""

    def __init__(self, columns: dict[str, Column]) -> None:
        self.columns = columns

    # datacompy calls a Spark comparator with the frame first: compare(dataframe, col_1, col_2)
    def compare(self, dataframe: Any, col_1: str, col_2: str, **kwargs: Any) -> Any:  # type: ignore[override]
        from pyspark.sql import functions as F
        from pyspark.sql.types import BooleanType

        col = self.columns.get(col_1.removesuffix(f"_{SIDES[0]}"))
        if col is None:
            return None
        if col.rule is Rule.NUMBER and col.tolerance:
            within = F.udf(numbers_match, BooleanType())
            return within(F.col(col_1), F.col(col_2), F.lit(str(col.tolerance)))
        return F.col(col_1).eqNullSafe(F.col(col_2))


def _text(value: Any) -> str | None:
    """A normalized value as text; a number's canonical, so exact numbers compare as text
    (1.10 and 1.1, -0 and 0 alike) and only numbers with a tolerance need the Python UDF."""
    if value is None:
        return None
    if isinstance(value, Decimal) and value.is_finite():
        exact = Context(prec=len(value.as_tuple().digits))  # normalize() rounds to the context's
        return "0" if value.is_zero() else format(value.normalize(exact), "f")
    return str(value)


def _spark_frame(spark: Any, frame: pd.DataFrame) -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(str(name), StringType(), True) for name in frame.columns])
    rows = [tuple(_text(v) for v in row) for row in frame.itertuples(index=False)]
    # Made from a Python list, every job would ship the rows through Python workers again:
    # cached once, datacompy's many small jobs read them in the JVM.
    frame = spark.createDataFrame(rows, schema).cache()
    frame.count()
    return frame


def _detail_compare() -> Any:
    from datacompy import SparkSQLCompare

    class DetailCompare(SparkSQLCompare):
        """SparkSQLCompare without its closing ``matches()``: a log line costing three jobs."""

        def _compare(self, ignore_spaces: bool, ignore_case: bool) -> None:
            self._dataframe_merge(ignore_spaces)
            self._intersect_compare(ignore_spaces, ignore_case)

    return DetailCompare


@contextmanager
def _few_partitions(spark: Any) -> Iterator[None]:
    """At most max_detail_rows keys: one shuffle partition each, not the books' many."""
    previous = spark.conf.get(SHUFFLE)
    spark.conf.set(SHUFFLE, "1")
    try:
        yield
    finally:
        spark.conf.set(SHUFFLE, previous)


def spark_matches(
    spark: Any, frames: tuple[pd.DataFrame, pd.DataFrame], internal: dict[str, Column]
) -> Matches:
    with _few_partitions(spark):
        sides = (_spark_frame(spark, frames[0]), _spark_frame(spark, frames[1]))
        try:
            return _matches(spark, sides, internal)
        finally:
            for side in sides:
                side.unpersist()


def _matches(spark: Any, sides: tuple[Any, Any], internal: dict[str, Column]) -> Matches:
    compare = _detail_compare()(
        spark,
        *sides,
        join_columns=[JOIN],
        df1_name=SIDES[0],
        df2_name=SIDES[1],
        cast_column_names_lower=False,
        custom_comparators=[SparkPlanComparator(internal)],
    )
    matches = [f"{n}_match" for n in internal]
    joined = f"{JOIN}_{SIDES[0]}"  # SparkSQLCompare keeps each side's copy of the join column
    both = {
        str(row[joined]): {n: bool(row[f"{n}_match"]) for n in internal}
        for row in compare.intersect_rows.select(joined, *matches).collect()
    }
    only = tuple(
        tuple(str(r[JOIN]) for r in df.select(JOIN).collect())
        for df in (compare.df1_unq_rows, compare.df2_unq_rows)
    )
    return Matches(only[0], only[1], both)
