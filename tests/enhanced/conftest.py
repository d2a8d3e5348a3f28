"""Fixtures for the enhanced side's own tests: the side installed beside a source schema.

``enh``: a fresh database with the source reference data only (tests seed what they need).
``processed``: one database per module, 2024-03-28 .. 2024-04-02 seeded with harness's
synthetic generator (120 transactions a day: rejected ones, several currencies,
cancellations, claims, names with quotes and backslashes) and processed, so the March and
April partitions, the vouchers and the reporting views all hold rows. Read-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tests.enhanced.books import Enhanced


@pytest.fixture
def enh(clean_db: Any) -> Iterator[Enhanced]:
    """The enhanced side, installed, with an empty source (reference data only)."""
    with clean_db.connect() as conn:
        yield Enhanced(conn)


@pytest.fixture(scope="module")
def processed(module_db: Any) -> Iterator[Enhanced]:
    """One database for the read-only tests: 2024-03-28 .. 2024-04-02 seeded (120 a day,
    rejected ones among them) and processed, so March and April partitions hold rows."""
    with module_db.connect() as conn:
        books = Enhanced(conn)
        books.seed(date(2024, 3, 28), date(2024, 4, 2), per_day=120)
        books.process(*[date(2024, 3, d) for d in (28, 29, 30, 31)], date(2024, 4, 1), date(2024, 4, 2))
        yield books
