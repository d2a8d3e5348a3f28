"""What killed runs leave behind: side schemas and roles of runs that are no longer running.

A run drops its schemas and roles when it ends; a run killed with -9 (or a lost machine)
cannot. A run counts as gone when it has its finish entry, or when no session is logged
in as any of its roles (a running run always holds its sessions open, except for a moment
during its setup: do not clean while a run is being set up).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from psycopg import sql

from harness.database import Connection
from harness.isolation import drop_login
from harness.ledger import ledger_exists

RUN_OBJECT = re.compile(r"^(?:harness_)?run_(\d{8}_\d{6}_[0-9a-f]{4})_")
SCHEMAS = r"SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname ~ '^run_\d{8}_\d{6}_[0-9a-f]{4}_'"
ROLES = r"SELECT rolname FROM pg_catalog.pg_roles WHERE rolname ~ '^harness_run_\d{8}_\d{6}_[0-9a-f]{4}_'"
SESSIONS = "SELECT DISTINCT usename FROM pg_catalog.pg_stat_activity WHERE usename LIKE 'harness\\_run\\_%'"
FINISHED = "SELECT DISTINCT run_id FROM harness.entry WHERE kind = 'run_finished'"


@dataclass(frozen=True)
class Orphans:
    schemas: tuple[str, ...]
    roles: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.schemas or self.roles)

    def summary(self) -> str:
        return f"{len(self.schemas)} schema(s) and {len(self.roles)} role(s) of runs that are not running"


def run_of(name: str) -> str | None:
    found = RUN_OBJECT.match(name)
    return found.group(1) if found else None


def find_orphans(conn: Connection) -> Orphans:
    schemas = [str(r[0]) for r in conn.execute(SCHEMAS).fetchall()]
    roles = [str(r[0]) for r in conn.execute(ROLES).fetchall()]
    live = {run_of(str(r[0])) for r in conn.execute(SESSIONS).fetchall()}
    finished = {str(r[0]) for r in conn.execute(FINISHED).fetchall()} if ledger_exists(conn) else set()
    here = {run_of(s) for s in schemas} | finished  # roles are the server's: only this database's runs

    def gone(name: str) -> bool:
        run = run_of(name)
        return run in finished or run not in live

    return Orphans(
        tuple(s for s in schemas if gone(s)),
        tuple(r for r in roles if gone(r) and run_of(r) in here),
    )


def drop_orphans(conn: Connection, orphans: Orphans) -> None:
    for schema in orphans.schemas:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    for role in orphans.roles:
        drop_login(conn, role)
