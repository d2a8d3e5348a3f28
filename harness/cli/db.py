"""``harness db``: the database the harness uses."""

from __future__ import annotations

import click

from harness.cli.common import dsn_option
from harness.database import open_database, server_summary


@click.group()
def db() -> None:
    """The database the harness uses (embedded by default, or --dsn).

    \b
    Example:
      harness db info
    """


@db.command()
@dsn_option
def info(dsn: str | None) -> None:
    """Print the server version, where its data lives and a psql command to reach it.

    \b
    Example:
      harness db info
      harness db info --dsn postgresql://me@dbhost/harness
    """
    with open_database(dsn) as database:
        for key, value in server_summary(database).items():
            click.echo(f"{key + ':':<10}{value}")
