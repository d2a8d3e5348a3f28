"""tests/harness: each test's ``db`` comes from the pool of emptied databases (tests/conftest.py),
checked as clean as a new one, because creating a database per test was most of these tests' time."""

from __future__ import annotations

import pytest

from tests.conftest import TestDatabase


@pytest.fixture
def db(clean_db: TestDatabase) -> TestDatabase:
    return clean_db
