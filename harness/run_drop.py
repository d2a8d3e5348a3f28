"""A run's schemas and roles dropped from every server it used, whatever is left of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.database import Database
from harness.errors import DatabaseUnavailable
from harness.isolation import drop_login, drop_space

if TYPE_CHECKING:
    from harness.run_start import RunState


def drop_run_objects(default: Database, state: RunState) -> str | None:
    """The run's schemas and roles on every server, dropped (missing ones are fine); what
    could not be dropped because its server is unreachable, or None."""
    unreachable = []
    for space in state.spaces:
        database = space.database(default)
        try:
            with database.connect() as conn:
                drop_space(conn, space)
        except DatabaseUnavailable:
            unreachable.append(f"schema {space.schema} on {database.display_uri}")
    if state.reader:
        for database in state.servers.side_servers():
            try:
                with database.connect() as conn:
                    drop_login(conn, state.reader.role)
            except DatabaseUnavailable:
                unreachable.append(f"role {state.reader.role} on {database.display_uri}")
    if not unreachable:
        return None
    return (
        f"could not drop {', '.join(unreachable)} (server unreachable); 'harness db clean' there drops them"
    )
