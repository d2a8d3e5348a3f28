"""Results of one entity and date, as frozen dataclasses; to_dict() is the run document's shape."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from comparisons.schema import SchemaFinding

Pairs = dict[str, str | None]


class Verdict(StrEnum):
    MATCH = "MATCH"  # no differences, or only within tolerance
    ACCEPTED = "ACCEPTED"  # every difference covered by an accepted difference
    MISMATCH = "MISMATCH"  # unexplained differences (including any beyond the examined cap)
    FAILED = "FAILED"  # a side failed: decided by the runner, never here
    # the date had input rows, yet neither side wrote any output: decided by the runner
    NO_OUTPUT = "NO_OUTPUT"
    # matched when compared, but a later date's processing changed it and now it does not
    REWRITTEN = "REWRITTEN"


@dataclass(frozen=True)
class Counts:
    """Keys by final class; the five classes add up to the keys of both sides.

    within_tolerance is part of equal, invalid_json part of different; accepted and
    unexplained split all differences (different + control_only + candidate_only +
    duplicate_keys); examined is how many non-equal keys stage 2 pulled.
    """

    control_rows: int
    candidate_rows: int
    equal: int
    different: int
    control_only: int
    candidate_only: int
    duplicate_keys: int
    within_tolerance: int
    invalid_json: int
    accepted: int
    unexplained: int
    examined: int

    @property
    def differences(self) -> int:
        return self.different + self.control_only + self.candidate_only + self.duplicate_keys

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class ColumnStat:
    column: str
    mismatches: int
    max_difference: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        biggest = float(self.max_difference) if self.max_difference is not None else None
        return {"column": self.column, "mismatches": self.mismatches, "max_difference": biggest}


@dataclass(frozen=True)
class Pattern:
    kind: str
    columns: tuple[str, ...]
    context: Pairs
    rows: int
    accepted_by: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "kind": self.kind,
            "context": dict(self.context),
            "rows": self.rows,
            "accepted_by": self.accepted_by,
        }


@dataclass(frozen=True)
class Sample:
    key: Pairs
    kind: str
    differing: tuple[str, ...]
    accepted_by: str | None
    control: Pairs | None
    candidate: Pairs | None
    rows_per_side: tuple[int, int] | None = None  # a duplicate key's rows on each side

    def to_dict(self) -> dict[str, Any]:
        shape: dict[str, Any] = {
            "key": dict(self.key),
            "kind": self.kind,
            "differing": list(self.differing),
            "accepted_by": self.accepted_by,
            "control": dict(self.control) if self.control is not None else None,
            "candidate": dict(self.candidate) if self.candidate is not None else None,
        }
        if self.rows_per_side is not None:
            shape["rows_per_side"] = dict(zip(("control", "candidate"), self.rows_per_side, strict=True))
        return shape


@dataclass(frozen=True)
class EntityResult:
    business_date: date
    entity: str
    verdict: Verdict
    key: tuple[str, ...]
    counts: Counts
    columns: tuple[ColumnStat, ...]
    patterns: tuple[Pattern, ...]
    samples: tuple[Sample, ...]
    accepted: tuple[tuple[str, int], ...]  # (entry id, rows covered on this date), config order
    error: str | None = None
    # (entry id, rows in its scope that did not meet its expect), entries stating one
    expectation_unmet: tuple[tuple[str, int], ...] = ()
    schema: tuple[SchemaFinding, ...] = ()  # columns one side lacks, types that differ

    def to_dict(self) -> dict[str, Any]:
        return {
            "business_date": self.business_date.isoformat(),
            "entity": self.entity,
            "verdict": self.verdict.value,
            "key": list(self.key),
            "counts": self.counts.to_dict(),
            "columns": [c.to_dict() for c in self.columns],
            "patterns": [p.to_dict() for p in self.patterns],
            "samples": [s.to_dict() for s in self.samples],
            "accepted": dict(self.accepted),
            "error": self.error,
            "expectation_unmet": dict(self.expectation_unmet),
            "schema": [f.to_dict() for f in self.schema],
        }


def verdict(counts: Counts, *, schema_fails: bool = False) -> Verdict:
    """MISMATCH when a compared column is missing on a side, whatever the rows say."""
    if schema_fails:
        return Verdict.MISMATCH
    if counts.differences == 0:
        return Verdict.MATCH
    return Verdict.ACCEPTED if counts.unexplained == 0 else Verdict.MISMATCH
