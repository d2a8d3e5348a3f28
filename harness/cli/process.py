"""``harness process``: one side, one date, straight against the source schema."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from psycopg import sql

from harness.calendar import date_range
from harness.cli.common import DATE, dsn_option, echo_err, source_schema_option
from harness.database import Connection, open_database
from harness.errors import InvalidInput
from harness.sides import ProcessResult, export_files, install_side, load_side, process_date, schema_exists
from harness.source import check_source
from harness.summary import DateCounts, date_counts, transaction_count


@click.command()
@click.option("--side", "side_name", required=True, help="legacy, enhanced, or a manifest directory.")
@click.option("--date", "business_date", type=DATE, help="Business date (YYYY-MM-DD).")
@click.option("--from", "first", type=DATE, help="First date of a batch, processed in date order.")
@click.option("--to", "last", type=DATE, help="Last date of the batch, inclusive.")
@click.option("--schema", help="Schema the side is installed in (default: the side's name).")
@click.option("--export", "export_dir", type=click.Path(path_type=Path), help="Write the CSV export here.")
@dsn_option
@source_schema_option
def process(
    side_name: str,
    business_date: date | None,
    first: date | None,
    last: date | None,
    schema: str | None,
    export_dir: Path | None,
    dsn: str | None,
    source_schema: str,
) -> None:
    """Process business dates with one side, as production would.

    Installs the side into its own schema on first use, processes each date's NEW
    transactions from the source schema (updating their status there), and prints
    counts and phase timings. A second run of the same date posts nothing new. A batch
    (--from/--to) goes in date order and stops at the first date that fails.

    \b
    Example:
      harness seed --from 2024-03-01 --to 2024-03-05
      harness process --side legacy --date 2024-03-01 --export ./out
      harness process --side enhanced --from 2024-03-02 --to 2024-03-05
    """
    side = load_side(side_name)
    schema = schema or side.name
    days = batch_dates(business_date, first, last)
    with open_database(dsn) as database, database.connect() as conn:
        check_source(conn, source_schema)
        for day in days:
            require_transactions(conn, source_schema, day)
        if not schema_exists(conn, schema):
            echo_err(f"installing {side.name} into schema {schema!r}")
            install_side(conn, side, schema)
        for day in days:
            warn_if_processed(conn, source_schema, day)
            result = process_date(conn, side, schema, source_schema, day)
            print_result(result, date_counts(conn, schema, source_schema, day))
            if export_dir is not None:
                for path in export_files(conn, side, schema, source_schema, day, export_dir):
                    click.echo(f"wrote {path}")


def batch_dates(day: date | None, first: date | None, last: date | None) -> list[date]:
    """--date, or every date of --from/--to (one of the two, never both)."""
    if day is not None and (first or last):
        raise InvalidInput("give --date, or --from and --to, not both")
    if day is not None:
        return [day]
    if first is None or last is None:
        raise InvalidInput("give the date: --date YYYY-MM-DD, or --from A --to B")
    return date_range(first, last)


def require_transactions(conn: Connection, source_schema: str, business_date: date) -> None:
    if transaction_count(conn, source_schema, business_date) == 0:
        raise InvalidInput(
            f"no transactions for {business_date} in schema {source_schema!r}; "
            f"seed it first: harness seed --from {business_date} --to {business_date}"
        )


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


def print_result(result: ProcessResult, counts: DateCounts) -> None:
    out = counts.outputs
    click.echo(
        f"{result.side} {result.business_date}: {counts.transactions} transactions, "
        f"{counts.processed} processed, {counts.rejected} rejected, {counts.pending} pending"
    )
    click.echo(
        f"  journals {out['sun_journal']}, GL lines {out['gl_entries']}, "
        f"vouchers {out['voucher']}, errors {out['journal_error']}"
    )
    phases = result.logged_phases or result.phases
    source = "side's job log" if result.logged_phases else "harness"
    click.echo(f"  total {result.seconds * 1000:.0f} ms; phases ({source}):")
    for phase in phases:
        click.echo(f"    {phase.name:<18}{phase.seconds * 1000:>10.0f} ms {phase.rows:>10} rows")
