"""Fixtures for the enhanced side's own tests: the side installed beside a source schema.

``enh``: a fresh database with the source reference data only (tests seed what they need).
``processed``: one database per module, 2024-03-28 .. 2024-04-02 seeded with harness's
synthetic generator (120 transactions a day: rejected ones, several currencies,
cancellations, claims, names with quotes and backslashes) and processed, so the March and
April partitions, the vouchers and the reporting views all hold rows. Read-only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from harness.database import connect
from tests.enhanced.books import Enhanced


@pytest.fixture
def enh(db: Any) -> Iterator[Enhanced]:
    """The enhanced side, installed, with an empty source (reference data only)."""
    with db.connect() as conn:
        yield Enhanced(conn)


@pytest.fixture(scope="module")
def processed(server_uri: str) -> Iterator[Enhanced]:
    """One database for the read-only tests: 2024-03-28 .. 2024-04-02 seeded (120 a day,
    rejected ones among them) and processed, so March and April partitions hold rows."""
    name = f"test_enhanced_{uuid.uuid4().hex[:12]}"
    with connect(server_uri) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    uri = make_conninfo(server_uri, dbname=name)
    with connect(uri) as conn:
        books = Enhanced(conn)
        books.seed(date(2024, 3, 28), date(2024, 4, 2), per_day=120)
        books.process(*[date(2024, 3, d) for d in (28, 29, 30, 31)], date(2024, 4, 1), date(2024, 4, 2))
        yield books
    with connect(server_uri) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
