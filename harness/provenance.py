"""What a run records about where it ran: each side's installed SQL, the server, the user."""

from __future__ import annotations

import getpass
import hashlib
import subprocess
from pathlib import Path
from typing import Any

from harness.database import Connection
from harness.isolation import SideSpace
from harness.manifest import MANIFEST, Side, read_text
from harness.servers import Servers, server_address

# Every server setting not at its built-in default, as the run saw it (source 'session' ones
# are the harness's own pins, recorded beside them).
NON_DEFAULT_SETTINGS = (
    "SELECT name, setting FROM pg_catalog.pg_settings WHERE source NOT IN ('default', 'session', 'client') "
    "ORDER BY name"
)


def side_record(space: SideSpace) -> dict[str, Any]:
    """The side as it ran, with the hash of its SQL (sql_sha256)."""
    return {**space.to_dict(), "sql_sha256": sql_sha256(space.side), "install": list(space.side.install)}


def sql_sha256(side: Side) -> str:
    """Of every SQL text the side executes: the manifest (phases, export, timing query) and
    each install file."""
    digest = hashlib.sha256()
    manifest = read_text(side.root / MANIFEST)
    for name, text in [(MANIFEST, manifest), *side.install_sql()]:
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


def server_record(conn: Connection) -> dict[str, Any]:
    row = conn.execute("SELECT version(), current_setting('server_version')").fetchone()
    assert row is not None
    changed = conn.execute(NON_DEFAULT_SETTINGS).fetchall()
    return {
        "version": str(row[0]),
        "server_version": str(row[1]),
        "settings": {str(name): str(value) for name, value in changed},
    }


def server_records(servers: Servers) -> dict[str, Any]:
    """Each part's server when any is off the harness's database (else {}): where it is,
    without a password, its version and non-default settings."""
    if not servers.separate:
        return {}
    records = {}
    for name, database in servers.named().items():
        with database.connect() as conn:
            records[name] = {
                "uri": database.display_uri,
                "host": server_address(conn),
                **server_record(conn),
            }
    return records


def harness_commit() -> str | None:
    """The git commit the harness runs from, when installed from a checkout (else None)."""
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return None
    try:
        found = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return None
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    commit = found.stdout.strip() or None
    return f"{commit}+modified" if commit and dirty.stdout.strip() else commit


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
