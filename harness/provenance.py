"""What a run records about where it ran: each side's installed SQL, the server, the user."""

from __future__ import annotations

import getpass
import hashlib
from typing import Any

from harness.database import Connection
from harness.isolation import SideSpace
from harness.manifest import MANIFEST, read_text


def side_record(space: SideSpace) -> dict[str, Any]:
    """The side as it ran; its hash covers every SQL text it executes: the manifest (phases,
    export, timing query) and each install file."""
    digest = hashlib.sha256()
    manifest = read_text(space.side.root / MANIFEST)
    for name, text in [(MANIFEST, manifest), *space.side.install_sql()]:
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
