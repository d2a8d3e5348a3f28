"""``harness seed``: deterministic synthetic source data."""

from __future__ import annotations

from datetime import date

import click

from harness.cli.common import DATE, dsn_option, source_schema_option
from harness.database import open_database
from harness.synthetic.loader import seed


@click.command("seed")
@click.option("--from", "first", type=DATE, required=True, help="First business date (YYYY-MM-DD).")
@click.option("--to", "last", type=DATE, required=True, help="Last business date, inclusive.")
@click.option("--per-day", type=int, default=2000, show_default=True, help="Transactions per date.")
@click.option("--seed", "seed_value", type=int, default=7, show_default=True, help="Random seed.")
@dsn_option
@source_schema_option
def seed_command(
    first: date, last: date, per_day: int, seed_value: int, dsn: str | None, source_schema: str
) -> None:
    """Load synthetic insurance transactions for a range of business dates.

    The same arguments always give identical rows (the fingerprint printed per date
    proves it). Dates already seeded with the same --seed and --per-day are skipped;
    a date holding other data is an error and nothing is written.

    \b
    Example:
      harness seed --from 2024-03-01 --to 2024-03-05 --per-day 2000 --seed 7
    """
    with open_database(dsn) as database, database.connect() as conn:
        # each date once, in date order, as it is loaded or skipped (a long seed shows progress)
        result = seed(conn, source_schema, first, last, per_day, seed_value, progress=click.echo)
    rate = result.rows / result.seconds if result.seconds else 0.0
    click.echo(
        f"seeded {len(result.loaded)} date(s), {result.rows} transactions into schema "
        f"{source_schema!r} in {result.seconds:.1f} s ({rate:,.0f} rows/s)"
    )
