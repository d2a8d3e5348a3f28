"""Expected errors of the comparisons layer: a bad spec or a query that cannot run, not a bug."""

from comparisons.connection import first_line

__all__ = ["first_line"]


class ComparisonError(Exception):
    """Root of every expected comparisons error."""


class SpecError(ComparisonError):
    """An entity spec, accepted difference or invariant in the config is unknown or bad."""


class EntityQueryError(ComparisonError):
    """An entity's query failed on one side, or its columns do not fit the spec."""


class InvariantQueryError(ComparisonError):
    """An invariant's query failed or did not return one row (violations, detail)."""


class ExportFormatError(ComparisonError):
    """An exported CSV file cannot be loaded: no header, a mismatched header or a ragged row."""


class EngineUnavailable(ComparisonError):
    """The comparison engine the config names cannot start here (pyspark, Java, a driver)."""
