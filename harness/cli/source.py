"""``harness source``: a migration team's own source data, from files or from its server."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.common import HarnessGroup, dsn_option
from harness.database import open_database
from harness.errors import InvalidInput
from harness.source.loading import load as load_path
from harness.source.snapshot import describe
from harness.source.snapshot import snapshot as copy_tables


@click.group(cls=HarnessGroup)
def source() -> None:
    """Bring your own source data: load .sql/.csv/.parquet files, or copy tables from a server.

    \b
    Example:
      harness source load ./team-data --schema source
      harness source snapshot --from-dsn postgresql://me@prod-replica/erp --tables policy,broker
    """


@source.command("load")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--schema", default="source", show_default=True, help="Schema to load into (created if missing)."
)
@dsn_option
def load(path: Path, schema: str, dsn: str | None) -> None:
    """Load a .sql, .csv or .parquet file, or a directory of them, into a schema in one transaction.

    A directory's *.sql files run first, in name order, with search_path set to the schema
    (they create the tables); then each *.csv and *.parquet file is copied into the table
    its name gives (accounts.csv into accounts). A CSV starts with a header row naming the
    columns; an empty unquoted field is NULL, a quoted "" the empty string. Parquet needs
    pyarrow. Any error keeps nothing. Prints each table's rows and fingerprint.

    \b
    Example:
      harness source load ./team-data
      harness source load accounts.csv --schema source
    """
    with open_database(dsn) as database, database.connect() as conn:
        loads = load_path(conn, path, schema)
    for item in loads:
        click.echo(f"{schema}.{item.table}: {item.rows} rows loaded; holds {item.fingerprint}")
    click.echo(f"loaded {len(loads)} table(s) into schema {schema!r} from {path}")


@source.command("snapshot")
@click.option("--from-dsn", "from_dsn", required=True, metavar="URL", help="The team's server to copy from.")
@click.option("--tables", required=True, help="Comma-separated table names, e.g. policy,broker.")
@click.option("--from-schema", default="public", show_default=True, help="Schema of the tables there.")
@click.option(
    "--schema", default="source", show_default=True, help="Schema to copy into (created if missing)."
)
@click.option("--replace", is_flag=True, help="Drop and copy again tables that already exist here.")
@dsn_option
def snapshot(
    from_dsn: str, tables: str, from_schema: str, schema: str, replace: bool, dsn: str | None
) -> None:
    """Copy tables from a team's own PostgreSQL server into the harness database, checked.

    Each table is created with the same column names, types, NOT NULL and primary key,
    and its rows streamed across in binary; then both servers' row counts and
    fingerprints must agree, or nothing is kept. An existing table is an error unless
    --replace. The source is only read (one read-only transaction).

    \b
    Example:
      harness source snapshot --from-dsn postgresql://me@prod-replica/erp --tables policy,broker
      harness source snapshot --from-dsn "$TEAM_DSN" --tables gl_account --from-schema erp --replace
    """
    names = list(dict.fromkeys(name.strip() for name in tables.split(",") if name.strip()))
    if not names:
        raise InvalidInput("--tables names no table; give them comma-separated, e.g. --tables policy,broker")
    with open_database(dsn) as database, database.connect() as conn:
        copies = copy_tables(conn, from_dsn, names, from_schema, schema, replace)
    for item in copies:
        click.echo(
            f"{schema}.{item.table}: {item.rows} rows copied; {item.local} here, {item.remote} on the "
            "source: match"
        )
    click.echo(f"copied {len(copies)} table(s) from {describe(from_dsn)} into schema {schema!r}")
