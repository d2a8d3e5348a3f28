"""What a run records about where it ran: each side's installed SQL, the server, the user."""

from __future__ import annotations

import getpass
import hashlib
from typing import Any

import psycopg

from harness.isolation import SideSpace

Connection = psycopg.Connection[tuple[Any, ...]]


def side_record(space: SideSpace) -> dict[str, Any]:
    digest = hashlib.sha256()
    for name, text in space.side.install_sql():
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return {**space.to_dict(), "sql_sha256": digest.hexdigest(), "install": list(space.side.install)}


def server_record(conn: Connection) -> dict[str, Any]:
    row = conn.execute("SELECT version(), current_setting('server_version')").fetchone()
    assert row is not None
    return {"version": str(row[0]), "server_version": str(row[1])}


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
