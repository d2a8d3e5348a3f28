"""How Spark reads one side: its JDBC address, and each session's pinned start.

Spark's executors open their own JDBC sessions, one per partition. Each starts exactly as
the harness's reader session of that side: the same role, the pinned settings copied from
it, and the snapshot it exported, so every partition reads the rows the digests, and the
rows fetched after them, come from (``SET TRANSACTION SNAPSHOT``; Spark's PostgreSQL
dialect turns autocommit off when a fetch size is set, so the statements open the read's
transaction). A server listening on a Unix socket only is reached through junixsocket.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from psycopg import sql

from comparisons.connection import Connection

# Settings that decide a value's text: read from the side's reader session, set in Spark's.
PINNED = ("search_path", "TimeZone", "DateStyle", "IntervalStyle", "extra_float_digits", "bytea_output")
FETCH_SIZE = "10000"
SOCKET_FACTORY = "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg"


@dataclass(frozen=True)
class JdbcSide:
    """Where and how Spark reads one side."""

    url: str
    properties: dict[str, str]

    def options(self) -> dict[str, str]:
        return {"url": self.url, **self.properties}


def jdbc_side(conn: Connection, snapshot: str) -> JdbcSide:
    """The JDBC address of ``conn``'s server and database, logged in as ``conn``'s role, every
    session starting in ``snapshot`` with ``conn``'s pinned settings."""
    info = conn.info
    host = info.host or "localhost"
    if host.startswith("/"):
        socket = quote(f"{host}/.s.PGSQL.{info.port}", safe="/")
        url = f"jdbc:postgresql://localhost/{quote(info.dbname)}?socketFactory={SOCKET_FACTORY}"
        url += f"&socketFactoryArg={socket}"
    else:
        url = f"jdbc:postgresql://{host}:{info.port}/{quote(info.dbname)}"
    properties = {
        "user": info.user,
        "password": info.password or "",
        "driver": "org.postgresql.Driver",
        "fetchsize": FETCH_SIZE,
        "sessionInitStatement": session_start(conn, snapshot),
    }
    return JdbcSide(url, properties)


def session_start(conn: Connection, snapshot: str) -> str:
    """The statements each of Spark's sessions of this side runs before reading."""
    values = conn.execute(
        "SELECT pg_catalog.current_setting(n) FROM pg_catalog.unnest(%s::text[]) WITH ORDINALITY AS u (n, i) "
        "ORDER BY i",
        (list(PINNED),),
    ).fetchall()
    statements = [
        sql.SQL("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"),
        sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)),
        *(
            sql.SQL("SELECT pg_catalog.set_config({}, {}, false)").format(sql.Literal(n), sql.Literal(v[0]))
            for n, v in zip(PINNED, values, strict=True)
        ),
    ]
    return "; ".join(s.as_string(conn) for s in statements)
