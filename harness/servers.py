"""Where each part of a run lives: the ledger, the source and each side's server.

By default all four are the harness's own database (embedded, or ``--dsn``). In a real
migration the original job runs on the production server it always ran on and the rewrite
on a new one: ``[control]`` and ``[candidate]`` then name a server each (``dsn``, or
``dsn_env`` naming an environment variable, so that passwords stay out of config files),
as do ``--control-dsn`` / ``--candidate-dsn``; ``[source]`` may name the server the input
is read from (default: the control's). The ledger stays on the harness's own database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from harness.database import Connection, Database, first_line, redact
from harness.errors import ConfigError, DatabaseUnavailable, InvalidInput

SERVER_KEYS = {"dsn", "dsn_env"}
TRANSFERS = ("hashes", "bisect")


@dataclass(frozen=True)
class ServerRef:
    """A server as the config names it: a DSN, or the environment variable holding one."""

    dsn: str | None = None
    env: str | None = None

    def resolve(self, section: str) -> str | None:
        """The DSN (None: the default server); a named variable that is unset is an error."""
        if self.env is None:
            return self.dsn
        value = os.environ.get(self.env, "").strip()
        if not value:
            raise ConfigError(
                f"'{section}.dsn_env' names the environment variable {self.env}, which is not set; "
                f"export {self.env}=<DSN of the {section}'s server>, or remove dsn_env"
            )
        return value


def parse_server(section: dict[str, Any], where: str, name: str) -> ServerRef:
    dsn, env = section.get("dsn"), section.get("dsn_env")
    if dsn is not None and env is not None:
        raise ConfigError(f"{where}: '{name}' takes dsn or dsn_env, not both")
    for key, value in (("dsn", dsn), ("dsn_env", env)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"{where}: '{name}.{key}' must be a non-empty string, got {value!r}")
    return ServerRef(dsn.strip() if dsn else None, env.strip() if env else None)


@dataclass(frozen=True)
class Servers:
    """The run's servers; a side on the ledger's server shares its Database."""

    ledger: Database
    source: Database
    sides: tuple[Database, Database]  # control's, candidate's

    @property
    def apart(self) -> bool:
        """The two sides on different servers: the comparison transfers hashes between them."""
        return self.sides[0].uri != self.sides[1].uri

    @property
    def separate(self) -> bool:
        """Anything off the harness's own database."""
        return any(db.uri != self.ledger.uri for db in (self.source, *self.sides))

    def side_servers(self) -> tuple[Database, ...]:
        """Each server a side runs on, once."""
        return self.sides if self.apart else self.sides[:1]

    def named(self) -> dict[str, Database]:
        return {"control": self.sides[0], "candidate": self.sides[1], "source": self.source}


def resolve_servers(
    ledger: Database,
    refs: dict[str, ServerRef],
    control_dsn: str | None = None,
    candidate_dsn: str | None = None,
) -> Servers:
    """The servers of a run: the command line's over the config's, the ledger's by default."""

    def database(uri: str | None) -> Database:
        return ledger if uri is None or uri == ledger.uri else Database(uri=uri, embedded=False)

    control = database(control_dsn or refs["control"].resolve("control"))
    candidate = database(candidate_dsn or refs["candidate"].resolve("candidate"))
    source_uri = refs["source"].resolve("source")
    return Servers(ledger, database(source_uri) if source_uri else control, (control, candidate))


def server_address(conn: Connection) -> str:
    """host:port of a connection's server ("local socket" for a socket directory)."""
    host = conn.info.host if not conn.info.host.startswith("/") else "local socket"
    return f"{host}:{conn.info.port}"


def describe_server(database: Database) -> str:
    """A server as 'harness db info' shows it: version, host and port, URI without password."""
    with database.connect() as conn:
        row = conn.execute("SELECT pg_catalog.current_setting('server_version')").fetchone()
        where = f"{server_address(conn)}, database {conn.info.dbname}"
    version = row[0] if row else "?"
    return f"PostgreSQL {version} on {where} ({database.display_uri})"


def describe_servers(servers: Servers) -> str:
    """One line for the progress output: where each side runs when not all on one server."""
    return (
        f"control on {redact(servers.sides[0].display_uri)}, "
        f"candidate on {redact(servers.sides[1].display_uri)}"
    )


def check_servers(servers: Servers, opening: bool) -> None:
    """Every server off the harness's own database reachable, before anything is created."""
    if opening and servers.separate:
        raise InvalidInput(
            "[source] opening copies books within one server; with a side or the source on another "
            "server it is not supported yet: run those sides on the harness's database, or drop opening"
        )
    checked = {servers.ledger.uri}
    for name, database in servers.named().items():
        if database.uri in checked:
            continue
        checked.add(database.uri)
        try:
            database.connect().close()
        except DatabaseUnavailable as exc:
            reason = exc.__cause__ if exc.__cause__ is not None else exc
            flag = f"--{name}-dsn or " if name != "source" else ""
            raise DatabaseUnavailable(
                f"cannot reach the {name}'s server {database.display_uri}: {first_line(reason)}; "
                f"check {flag}[{name}] dsn / dsn_env in the config"
            ) from exc


@contextmanager
def source_session(servers: Servers, ledger: Connection) -> Iterator[Connection]:
    """A session on the source's server (the case queries read it): the ledger's own
    connection when the source is there."""
    if servers.source.uri == servers.ledger.uri:
        yield ledger
        return
    with servers.source.connect() as source:
        yield source
