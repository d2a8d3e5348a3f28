"""Expected errors of the comparisons layer: a bad spec or a query that cannot run, not a bug."""


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


def first_line(exc: BaseException) -> str:
    """The first non-blank line of an exception's message (PostgreSQL adds DETAIL and HINT lines)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
