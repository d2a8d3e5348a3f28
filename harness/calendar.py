"""Business dates as the command line gives them."""

from __future__ import annotations

from datetime import date, timedelta

from harness.errors import InvalidInput


def date_range(first: date, last: date) -> list[date]:
    """Every date from ``first`` to ``last``, inclusive."""
    if last < first:
        raise InvalidInput(f"--to {last} is before --from {first}; give the earlier date first")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
