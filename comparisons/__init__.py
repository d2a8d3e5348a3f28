"""Compare two sides' outputs entity by entity, and check accounting invariants per side.

compare_entity runs two stages: a pushdown in PostgreSQL classifying every business key
from normalized row hashes (exact counts), then datacompy on the full rows of at most
max_detail_rows keys that are not equal, then the accepted differences. Specs come from
the config ([[entities]], [[accepted_differences]], [[invariants]]); see README.md here.
"""

from comparisons.accepted import AcceptedDifference, parse_accepted, summarize_accepted
from comparisons.entity import DEFAULT_MAX_DETAIL_ROWS, compare_entity
from comparisons.errors import (
    ComparisonError,
    EntityQueryError,
    ExportFormatError,
    InvariantQueryError,
    SpecError,
)
from comparisons.export import EXPORT_HEADER, load_export_rows
from comparisons.invariants import InvariantResult, InvariantSpec, check_invariants, parse_invariants
from comparisons.keylist import KeySink
from comparisons.result import ColumnStat, Counts, EntityResult, Pattern, Sample, Verdict
from comparisons.spec import EntitySpec, Normalizer, parse_entity_specs

__all__ = [
    "DEFAULT_MAX_DETAIL_ROWS",
    "EXPORT_HEADER",
    "AcceptedDifference",
    "ColumnStat",
    "ComparisonError",
    "Counts",
    "EntityQueryError",
    "EntityResult",
    "EntitySpec",
    "ExportFormatError",
    "InvariantQueryError",
    "InvariantResult",
    "InvariantSpec",
    "KeySink",
    "Normalizer",
    "Pattern",
    "Sample",
    "SpecError",
    "Verdict",
    "check_invariants",
    "compare_entity",
    "load_export_rows",
    "parse_accepted",
    "parse_entity_specs",
    "parse_invariants",
    "summarize_accepted",
]
