"""``harness process``: one side, one date, straight against the source schema."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from psycopg import sql

from harness.calendar import date_range
from harness.cli.common import DATE, dsn_option, echo_err
from harness.cli.config_option import config_option, use_config
from harness.config import Config
from harness.database import Connection, open_database
from harness.entity_counts import entity_counts
from harness.errors import InvalidInput
from harness.manifest import Side, resolve_side
from harness.sides import ProcessResult, export_files, install_side, process_date, schema_exists
from harness.source import check_source, dates_present, rows_on_date
from harness.summary import date_counts


@click.command()
@click.option(
    "--side",
    "side_name",
    required=True,
    help="control or candidate (the config's), bundled:legacy / bundled:enhanced, or a manifest directory.",
)
@click.option("--date", "business_date", type=DATE, help="Business date (YYYY-MM-DD).")
@click.option("--from", "first", type=DATE, help="First date of a batch, processed in date order.")
@click.option("--to", "last", type=DATE, help="Last date of the batch, inclusive.")
@click.option("--schema", help="Schema the side is installed in (default: the side's name).")
@click.option("--export", "export_dir", type=click.Path(path_type=Path), help="Write the CSV export here.")
@click.option(
    "--source-schema", help="Schema holding the source tables (default: the config's [source] schema)."
)
@config_option
@dsn_option
def process(
    side_name: str,
    business_date: date | None,
    first: date | None,
    last: date | None,
    schema: str | None,
    export_dir: Path | None,
    source_schema: str | None,
    config_path: Path | None,
    dsn: str | None,
) -> None:
    """Process business dates with one side, as production would.

    Installs the side into its own schema on first use, processes each date from the
    source schema the config declares (the side may update it, as in production), and
    prints the date's input rows, each entity's rows and the phase timings. A batch
    (--from/--to) goes in date order and stops at the first date that fails.

    \b
    Example:
      harness seed --from 2024-03-01 --to 2024-03-05
      harness process --side legacy --date 2024-03-01 --export ./out
      harness process --side candidate --from 2024-03-02 --to 2024-03-05
      harness process --config examples/payroll/harness.toml --side control --date 2025-01-06
    """
    config = use_config(config_path)
    side = pick_side(config, side_name)
    schema, source = schema or side.name, source_schema or config.source.schema
    days = batch_dates(business_date, first, last)
    with open_database(dsn) as database, database.connect() as conn:
        check_source(conn, source, config.source.tables, config.source_hint())
        require_input(conn, config, source, days)
        if not schema_exists(conn, schema):
            echo_err(f"installing {side.name} into schema {schema!r}")
            install_side(conn, side, schema)
        for day in days:
            if config.bundled:
                warn_if_processed(conn, source, day)
            result = process_date(conn, side, schema, source, day)
            print_result(conn, config, result, schema, source)
            if export_dir is not None and side.export is not None:
                for path in export_files(conn, side, schema, source, day, export_dir):
                    click.echo(f"wrote {path}")


def pick_side(config: Config, name: str) -> Side:
    """The config's control or candidate, else a side named as a config names one (a path
    relative to the current directory; legacy / enhanced with the bundled config)."""
    sides = dict(config.sides())
    if name in sides:
        return sides[name]
    return resolve_side(name, None if config.bundled else Path.cwd(), "--side")


def batch_dates(day: date | None, first: date | None, last: date | None) -> list[date]:
    """--date, or every date of --from/--to (one of the two, never both)."""
    if day is not None and (first or last):
        raise InvalidInput("give --date, or --from and --to, not both")
    if day is not None:
        return [day]
    if first is None or last is None:
        raise InvalidInput("give the date: --date YYYY-MM-DD, or --from A --to B")
    return date_range(first, last)


def require_input(conn: Connection, config: Config, source: str, days: list[date]) -> None:
    unit, scoped, tables = config.source.unit, config.source.date_scoped_tables, config.source.input_tables
    for day in days:
        if tables and not any(dates_present(conn, source, t, scoped[t], [day]) for t in tables):
            what = unit.label if unit else "rows in " + ", ".join(tables)
            raise InvalidInput(f"no {what} for {day} in schema {source!r}; {config.source_hint(day, day)}")


def warn_if_processed(conn: Connection, source_schema: str, business_date: date) -> None:
    row = conn.execute(
        sql.SQL(
            "SELECT count(*) FILTER (WHERE status <> 'NEW'), count(*) FROM {} WHERE business_date = %s"
        ).format(sql.Identifier(source_schema, "insurance_transaction")),
        (business_date,),
    ).fetchone()
    if row and row[0]:
        echo_err(
            f"warning: {row[0]} of {row[1]} transactions of {business_date} were already processed; "
            "only NEW ones are posted now. To compare both sides on this date, replay it: "
            f"harness run --dates {business_date}"
        )


def print_result(conn: Connection, config: Config, result: ProcessResult, schema: str, source: str) -> None:
    day, unit = result.business_date, config.source.unit
    head = f"{result.side} {day}"
    if unit:
        head += (
            f": {rows_on_date(conn, source, unit.table, config.source.date_scoped_tables[unit.table], day)}"
        )
        head += f" {unit.label}"
    if config.bundled:
        status = date_counts(conn, schema, source, day)
        head += f", {status.processed} processed, {status.rejected} rejected, {status.pending} pending"
    click.echo(head)
    counts = entity_counts(conn, config.entities, schema, source, day)
    if counts:
        click.echo("  " + ", ".join(f"{name} {n}" for name, n in counts.items()))
    phases = result.logged_phases or result.phases
    where = "side's job log" if result.logged_phases else "harness"
    click.echo(f"  total {result.seconds * 1000:.0f} ms; phases ({where}):")
    for phase in phases:
        click.echo(f"    {phase.name:<18}{phase.seconds * 1000:>10.0f} ms {phase.rows:>10} rows")
