"""Group examined differences into patterns and pick samples, so a reviewer reads a few
patterns rather than thousands of rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from comparisons.plan import Plan
from comparisons.result import Pattern, Sample
from comparisons.work import Difference

MAX_SAMPLES = 20

PatternKey = tuple[str, tuple[str, ...], tuple[tuple[str, str | None], ...], str | None]


def _pattern_key(difference: Difference, accepted_by: str | None) -> PatternKey:
    context = tuple(sorted(difference.context.items()))
    return (difference.kind, difference.differing, context, accepted_by)


def group_patterns(differences: Sequence[Difference], accepted_by: dict[int, str]) -> tuple[Pattern, ...]:
    """(kind, differing columns, context values, accepted entry) -> rows.

    Unexplained patterns first, then accepted ones; biggest first within each.
    """
    counts = Counter(_pattern_key(d, accepted_by.get(i)) for i, d in enumerate(differences))
    ordered = sorted(
        counts.items(),
        key=lambda item: (item[0][3] is not None, -item[1], item[0][0], item[0][1], str(item[0][2])),
    )
    return tuple(
        Pattern(kind, columns, dict(context), rows, entry)
        for (kind, columns, context, entry), rows in ordered
    )


def pick_samples(
    plan: Plan, differences: Sequence[Difference], accepted_by: dict[int, str], limit: int = MAX_SAMPLES
) -> tuple[Sample, ...]:
    """Up to ``limit`` samples: unexplained before accepted, one per pattern in turn, in key order."""
    by_pattern: dict[PatternKey, list[int]] = {}
    order = sorted(range(len(differences)), key=lambda i: (i in accepted_by, _sort_key(differences[i].key)))
    for i in order:
        by_pattern.setdefault(_pattern_key(differences[i], accepted_by.get(i)), []).append(i)
    queues = list(by_pattern.values())
    chosen: list[int] = []
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return tuple(_sample(plan, differences[i], accepted_by.get(i)) for i in chosen)


def _sort_key(key: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((v is None, v or "") for v in key)


def _sample(plan: Plan, difference: Difference, accepted_by: str | None) -> Sample:
    # The context values too: they tell where the row belongs (its voucher, say), which is
    # how harness.root_causes connects samples of different entities.
    compared = difference.differing or tuple(c.name for c in plan.compared)
    shown = (*compared, *(c.name for c in plan.context))
    return Sample(
        key=dict(zip((c.name for c in plan.key), difference.key, strict=True)),
        kind=difference.kind,
        differing=difference.differing,
        accepted_by=accepted_by,
        control=_values(difference.control, shown),
        candidate=_values(difference.candidate, shown),
        rows_per_side=difference.rows_per_side,
    )


def _values(row: dict[str, str | None] | None, shown: Sequence[str]) -> dict[str, str | None] | None:
    return None if row is None else {name: row.get(name) for name in shown}
