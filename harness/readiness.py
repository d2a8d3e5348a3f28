"""Whether one business date is clean: the one rule the run's verdict and the gate share.

``harness run`` (the run document's verdict) and ``harness gate`` (its clean-date streak)
both decide a date through ``date_reasons``, from the same run document fields, so they
cannot disagree on a date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from comparisons.result import Verdict

CLEAN = {str(Verdict.MATCH), str(Verdict.ACCEPTED)}


@dataclass(frozen=True)
class DateEvidence:
    """What one run recorded for one date, as the run document holds it."""

    business_date: str
    results: Sequence[dict[str, Any]]  # the date's comparisons
    invariants: Sequence[dict[str, Any]]
    input_rows: int | None  # rows of the unit of work; None when the config declares none
    unit_label: str | None

    @classmethod
    def of(cls, doc: dict[str, Any], day: str) -> DateEvidence:
        row = next(r for r in doc["matrix"] if r["business_date"] == day)
        unit = doc["unit"]
        return cls(
            day,
            [c for c in doc["comparisons"] if c["business_date"] == day],
            [i for i in doc["invariants"] if i["business_date"] == day],
            row.get("input_rows"),
            unit["label"] if unit else None,
        )


def date_reasons(evidence: DateEvidence, describe: Any = None) -> list[str]:
    """Why the date is not clean (empty: it is). ``describe`` words a comparison's reason."""
    day, results = evidence.business_date, evidence.results
    reasons = _data_reasons(evidence)
    word = describe or (lambda r: f"{day} {r['entity']}: {r['verdict']}")
    quiet = CLEAN | {str(Verdict.NO_OUTPUT)}  # said once per date, below
    reasons += [word(r) for r in results if r["verdict"] not in quiet]
    reasons += sorted(
        {f"{day}: NO_OUTPUT: {r['error']}" for r in results if r["verdict"] == Verdict.NO_OUTPUT}
    )
    reasons += [
        f"{day} candidate invariant broken: {i['name']}"
        for i in evidence.invariants
        if i["label"] == "candidate" and not i["holds"]
    ]
    return reasons


def _data_reasons(evidence: DateEvidence) -> list[str]:
    day, results = evidence.business_date, evidence.results
    if not results:
        return [f"{day}: nothing was compared"]
    if evidence.input_rows == 0:
        return [f"{day}: NO_DATA: no {evidence.unit_label} in the source for this date, nothing to compare"]
    counts = [r.get("counts") for r in results]
    # Without a unit nothing counts the input: a date on which no entity held a row on
    # either side is still no evidence of anything.
    if evidence.input_rows is None and all(
        c is not None and c["control_rows"] == c["candidate_rows"] == 0 for c in counts
    ):
        return [f"{day}: NO_DATA: every entity is empty on both sides, nothing was compared"]
    return []
