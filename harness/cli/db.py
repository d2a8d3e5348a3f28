"""``harness db``: the database the harness uses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import click

from harness import server_hold
from harness.cli.common import HarnessGroup, dsn_option, side_dsn_options
from harness.cli.config_option import config_option, use_config
from harness.database import harness_home, open_database, server_summary, start_embedded
from harness.errors import DatabaseUnavailable, InvalidInput
from harness.orphans import drop_orphans, find_orphans
from harness.servers import describe_server, resolve_servers


@click.group(cls=HarnessGroup)
def db() -> None:
    """The database the harness uses (embedded by default, or --dsn).

    \b
    Example:
      harness db info
      harness db start; harness db psql; harness db stop
    """


@db.command()
@dsn_option
@config_option
@side_dsn_options
def info(
    dsn: str | None, config_path: Path | None, control_dsn: str | None, candidate_dsn: str | None
) -> None:
    """Print the server version, where its data lives and a psql command to reach it; and
    the server of each side (and of the source) the config or --control-dsn/--candidate-dsn
    puts elsewhere.

    \b
    Example:
      harness db info
      harness db info --dsn postgresql://me@dbhost/harness
      harness db info --control-dsn postgresql://harness@old-prod/books
    """
    with open_database(dsn) as database:
        for key, value in server_summary(database).items():
            click.echo(f"{key + ':':<10}{value}")
        servers = resolve_servers(database, use_config(config_path).servers, control_dsn, candidate_dsn)
        for name, other in servers.named().items():
            if other.uri != database.uri:
                click.echo(f"{name + ':':<10}{describe_server(other)}")


def _embedded_home() -> Path:
    if os.environ.get("HARNESS_DSN"):
        raise InvalidInput(
            "this command manages the embedded server; with --dsn / HARNESS_DSN use your own tools"
        )
    return harness_home()


@db.command()
def start() -> None:
    """Keep the embedded server up until 'harness db stop' (for psql, or many commands in a row).

    \b
    Example:
      harness db start && psql "$(harness db info | sed -n 's/^uri: *//p')"
    """
    home = _embedded_home()
    try:
        pid = server_hold.start_holder(home)
    except OSError as exc:
        raise DatabaseUnavailable(str(exc)) from exc
    click.echo(f"embedded server up (kept by process {pid}); stop it with: harness db stop")


@db.command()
def stop() -> None:
    """Let the embedded server stop (it stops once no other harness command uses it).

    \b
    Example:
      harness db stop
    """
    home = _embedded_home()
    if server_hold.stop_holder(home):
        click.echo("embedded server released; it stops when no other harness command uses it")
    else:
        click.echo("the embedded server was not kept up by 'harness db start'; nothing to stop")


@db.command()
def status() -> None:
    """Say whether the embedded server is up, and who keeps it up.

    \b
    Example:
      harness db status
    """
    found = server_hold.status(_embedded_home())
    state = "up" if found.running else "down"
    held = f", kept up by 'harness db start' (process {found.holder})" if found.holder else ""
    click.echo(f"embedded server: {state}{held}; data in {found.data_dir}")


@db.command()
@dsn_option
def psql(dsn: str | None) -> int:
    """Open psql on the harness's database (the embedded server is started for the session).

    \b
    Example:
      harness db psql
    """
    with open_database(dsn) as database:
        return subprocess.run([database.psql_binary, database.uri], check=False).returncode


@db.command(hidden=True)
def hold() -> None:
    """The process 'harness db start' leaves running to keep the server up."""
    home = _embedded_home()
    start_embedded(home)
    server_hold.hold(home)


@db.command()
@click.option("--dry-run", is_flag=True, help="List what would be dropped, drop nothing.")
@dsn_option
def clean(dry_run: bool, dsn: str | None) -> None:
    """Drop the side schemas and roles that killed runs left behind.

    A run counts as gone once it has its finish entry, or when no session is logged in as
    any of its roles. Do not clean while a run is being set up.

    \b
    Example:
      harness db clean --dry-run
      harness db clean
    """
    with open_database(dsn) as database, database.connect() as conn:
        orphans = find_orphans(conn)
        for name in (*orphans.schemas, *orphans.roles):
            click.echo(f"{'would drop' if dry_run else 'dropping'} {name}")
        if not dry_run:
            drop_orphans(conn, orphans)
    click.echo(f"{'found' if dry_run else 'dropped'} {orphans.summary()}")
