"""The comparison's own session: it can only read the two side schemas, with a pinned catalog.

Stage 1, stage 2, invariants and date counts run on a connection logged in as the run's
reader role (SELECT on the side schemas, nothing else), with ``search_path`` pinned to
``pg_catalog, pg_temp``, so no function, operator or aggregate a side defines can be
resolved. A side relation the comparison reads must be a plain or partitioned table (or a
materialized view its manifest declares) without row-level security: a view or a policy
would run the side's code while the harness reads.

With the sides on two servers (harness.servers) the reader role is created on each, a
reader session reads each side on its own server, and the comparison runs in the
harness's own session on the moved digests and rows (``Reading``, comparisons.across).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import Any

from psycopg import sql

import comparisons
from comparisons.across import compare_entity_across
from comparisons.spark.engine import SparkEngine
from harness.compare_config import CompareSettings
from harness.database import Connection, Database
from harness.isolation import Login, SideSpace

PINNED_SEARCH_PATH = "pg_catalog, pg_temp"
RELATIONS = """
SELECT c.relname, c.relkind, c.relrowsecurity
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = ANY(%s)
"""
SIDE_TYPED = files("harness.sql").joinpath("side_typed_columns.sql").read_text(encoding="utf-8")
KINDS = {"r": "table", "p": "partitioned table", "m": "materialized view", "v": "view", "f": "foreign table"}


def grant_reader(conn: Connection, login: Login | None, spaces: Iterable[SideSpace]) -> None:
    """Let the reader see every relation now in the side schemas (sides create some per date)."""
    if login is None:
        return
    role = sql.Identifier(login.role)
    for space in spaces:
        schema = sql.Identifier(space.schema)
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, role))


def connect_reader(database: Database, login: Login | None) -> Connection:
    """The reader's session (the harness's own user without role isolation), catalog pinned."""
    conn = database.connect_as(login.role, login.password) if login else database.connect()
    conn.execute("SELECT pg_catalog.set_config('search_path', %s, false)", (PINNED_SEARCH_PATH,))
    return conn


@dataclass(frozen=True)
class Reading:
    """The comparison's sessions: with both sides on one server, one reader session over
    both schemas; with the sides apart, a reader session on each side's server and the
    harness's own session, where the moved digests and rows are compared (comparisons.across)."""

    sides: tuple[Connection, Connection]  # reading the control's, the candidate's schema
    session: Connection  # where the comparison runs (one of sides, on one server)
    transfer: str | None = None  # how the sides apart are compared; None: on one server
    engine: SparkEngine | None = None  # engine spark: stage 1 on Spark (transfer "spark")

    @property
    def apart(self) -> bool:
        return self.transfer is not None

    def compare_entity(
        self,
        spec: comparisons.EntitySpec,
        schemas: tuple[str, str],
        day: date,
        accepted: Sequence[comparisons.AcceptedDifference],
        **options: Any,
    ) -> comparisons.EntityResult:
        """One entity compared on one server, or across two (comparisons.across)."""
        if self.transfer is None:
            return comparisons.compare_entity(self.session, spec, *schemas, day, accepted, **options)
        return compare_entity_across(
            self.session,
            self.sides,
            spec,
            schemas,
            day,
            accepted,
            transfer=self.transfer,
            engine=self.engine,
            **options,
        )


@contextmanager
def open_reading(
    default: Database,
    spaces: tuple[SideSpace, SideSpace],
    login: Login | None,
    compare: CompareSettings,
    progress: Callable[[str], None] | None = None,
) -> Iterator[Reading]:
    """The sessions of ``Reading`` for these sides, closed at the end. Engine spark reads
    each side in a session of its own, as with the sides on two servers."""
    databases = [space.database(default) for space in spaces]
    spark = compare.engine == "spark"
    with ExitStack() as stack:
        if databases[0].uri == databases[1].uri and not spark:
            conn = stack.enter_context(connect_reader(databases[0], login))
            yield Reading((conn, conn), conn)
            return
        control, candidate = (stack.enter_context(connect_reader(db, login)) for db in databases)
        session = stack.enter_context(default.connect())
        session.execute("SELECT pg_catalog.set_config('search_path', %s, false)", (PINNED_SEARCH_PATH,))
        engine = SparkEngine(compare.spark, progress) if spark else None
        yield Reading((control, candidate), session, "spark" if spark else compare.transfer, engine)


def refused_relations(conn: Connection, space: SideSpace, tables: list[str]) -> str | None:
    """Why the comparison must not read these relations of ``space``, or None if it may."""
    declared = set(space.side.materialized_views)
    for name, kind, row_security in conn.execute(RELATIONS, (space.schema, tables)).fetchall():
        allowed = kind in ("r", "p") or (kind == "m" and name in declared)
        if not allowed:
            what = KINDS.get(kind, f"relation of kind {kind!r}")
            return (
                f"the {space.label}'s {name} is a {what}, not a table; the comparison reads only "
                "tables (and materialized views the side's manifest declares), never side code"
            )
        if row_security:
            return f"the {space.label}'s {name} has row-level security enabled; the comparison refuses it"
    typed = conn.execute(SIDE_TYPED, {"schema": space.schema, "tables": tables}).fetchone()
    if typed:
        return (
            f"the {space.label}'s {typed[0]}.{typed[1]} has the type {typed[2]}, which is not built in; "
            "its casts and operators would be side code, so the comparison reads only built-in types"
        )
    return None
