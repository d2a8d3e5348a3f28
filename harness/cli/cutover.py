"""``harness cutover``, ``status``, ``books``, ``export``: migration phase 3, date by date;
and the phase 4 gate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from harness.cli import style
from harness.cli.common import DATE, EXIT_MISMATCH, EXIT_OK, dsn_option
from harness.cli.config_option import config_option, use_config
from harness.cli.gate_output import echo_json, show_gate
from harness.cli.output import write_outputs
from harness.cli.process import batch_dates
from harness.config import Config
from harness.cutover.books import date_books, holds_journal_books
from harness.cutover.decommission import cutover_documents, decommission_policy, evaluate_decommission
from harness.cutover.night import Cutover, CutoverResult, books_schema, copy_exports
from harness.cutover.status import date_status
from harness.database import open_database
from harness.entity_counts import entity_counts
from harness.errors import CutoverError, HarnessError
from harness.gate import policy_file
from harness.history import all_documents
from harness.ledger.entries import CutoverVerdict
from harness.progress import Progress


@click.command("cutover")
@click.option("--date", "day", type=DATE, help="The business date to publish (YYYY-MM-DD).")
@click.option("--from", "first", type=DATE, help="First date of a batch, processed in date order.")
@click.option("--to", "last", type=DATE, help="Last date of the batch, inclusive.")
@config_option
@dsn_option
@click.option(
    "--export", "export_dir", type=click.Path(path_type=Path), help="Write the published CSV export here."
)
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), help="Report directory [./harness-report/RUN]."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document of the dates published, on stdout.")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
def cutover(
    day: date | None,
    first: date | None,
    last: date | None,
    config_path: Path | None,
    dsn: str | None,
    export_dir: Path | None,
    out_dir: Path | None,
    as_json: bool,
    quiet: bool,
) -> int:
    """Publish business dates from the primary side, with the other side as its shadow.

    Each date runs through both sides in isolated schemas that start from the production
    books ([cutover] books_schema); they are compared like a parallel run; then, in one
    transaction, the chosen side's output is published into the books and the source, and
    recorded. CLEAN: the shadow agreed. NOT CLEAN: it did not, the primary's books were
    kept ([cutover] on_mismatch = "alert"). FELL BACK: the shadow's books were published
    (the primary failed, or on_mismatch = "fallback"). A batch stops at the first date
    that could not be published.

    Exit codes: 0 every date CLEAN, 1 a date NOT CLEAN or FELL BACK, 2 a date could not be
    published (nothing of it was written) or a usage error.

    \b
    Example:
      harness seed --from 2024-03-28 --to 2024-04-02
      harness cutover --from 2024-03-28 --to 2024-04-02 --export ./sunsystems
      harness status 2024-03-31
      harness gate --phase decommission
    """
    days = batch_dates(day, first, last)
    config = use_config(config_path)
    results: list[CutoverResult] = []
    try:
        with open_database(dsn) as database:
            night = Cutover(database, config, Progress(quiet=quiet))
            for business_date in days:
                results.append(_publish_date(night, business_date, export_dir, out_dir, as_json))
    except HarnessError as exc:
        if as_json:  # the dates published before the one that could not be still are
            _echo_document(config, results, str(exc))
        raise
    if as_json:
        _echo_document(config, results, None)
    clean = all(r.verdict is CutoverVerdict.CLEAN for r in results)
    return EXIT_OK if clean else EXIT_MISMATCH


def _echo_document(config: Config, results: list[CutoverResult], error: str | None) -> None:
    document = {"books_schema": books_schema(config), "dates": [r.to_dict() for r in results], "error": error}
    echo_json(document)


def _publish_date(
    night: Cutover, day: date, export_dir: Path | None, out_dir: Path | None, as_json: bool
) -> CutoverResult:
    result = night.process(day, export_dir, out_dir / day.isoformat() if out_dir else None)
    report = None
    if result.out_dir:
        with night.database.connect() as conn:
            report = write_outputs(result.document, result.out_dir, None, ledger=conn).html
    if not as_json:
        _print(result, report)
    return result


def _print(result: CutoverResult, report: Path | None) -> None:
    entry = result.entry
    published = f"published {entry.side}'s books ({entry.published_by})"
    head = f"{entry.business_date}: {style.verdict(str(entry.verdict))}, {published}"
    click.echo(head + (" (already published; exports written again)" if result.already else ""))
    for reason in entry.reasons[:5]:
        click.echo(f"  why: {reason}")
    if len(entry.reasons) > 5:
        click.echo(f"  ... {len(entry.reasons) - 5} more in the report")
    rows = ", ".join(f"{t} {n}" for t, n in entry.rows.items())
    click.echo(f"  rows: {rows}")
    for path in result.exports:
        click.echo(f"  wrote {path}")
    if report is not None:
        click.echo(f"  report: {report.resolve()}")


@click.command("status")
@click.argument("day", type=DATE, metavar="DATE")
@config_option
@dsn_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def status(day: date, config_path: Path | None, dsn: str | None, as_json: bool) -> int:
    """Was DATE published, by which side, when, with which cutover verdict; its transactions.

    Exit codes: 0 published, 1 not published, 2 usage or environment error.

    \b
    Example:
      harness status 2024-03-31
      harness status 2024-03-31 --json
    """
    config = use_config(config_path)
    with open_database(dsn) as database, database.connect() as conn:
        found = date_status(conn, config, day)
    if as_json:
        echo_json(found.to_dict())
    else:
        click.echo(found.text())
    return EXIT_OK if found.published else EXIT_MISMATCH


@click.command("books")
@click.argument("day", type=DATE, metavar="DATE")
@click.option(
    "--schema", help="The books schema (default: [cutover] books_schema, or the primary side's name)."
)
@config_option
@dsn_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def books(day: date, schema: str | None, config_path: Path | None, dsn: str | None, as_json: bool) -> None:
    """What DATE left in the books: where they are the bundled job's, its journals (per ledger
    and type), vouchers (with their totals) and errors; for any other job each entity's rows.

    \b
    Example:
      harness books 2024-03-31
      harness books 2024-03-31 --schema legacy --json
    """
    config = use_config(config_path)
    schema = schema or books_schema(config)
    with open_database(dsn) as database, database.connect() as conn:
        if not holds_journal_books(conn, schema):
            counts = entity_counts(conn, config.entities, schema, config.source.schema, day)
            found = {"business_date": day.isoformat(), "schema": schema, "entities": counts}
            rows = [f"  {name} {n}" for name, n in counts.items()]
            return echo_json(found) if as_json else click.echo("\n".join([f"{day} in {schema}:", *rows]))
        books = date_books(conn, schema, day)
    if as_json:
        echo_json(books.to_dict())
    else:
        click.echo("\n".join(books.lines()))


@click.command("export")
@click.argument("day", type=DATE, metavar="DATE")
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Write the files here."
)
@config_option
@dsn_option
def export(day: date, out_dir: Path, config_path: Path | None, dsn: str | None) -> int:
    """Write the export files a cutover date published, checked against their recorded hashes.

    \b
    Example:
      harness export 2024-03-31 --out ./sunsystems
    """
    config = use_config(config_path)
    with open_database(dsn) as database, database.connect() as conn:
        found = date_status(conn, config, day)
    if found.entry is None:
        raise CutoverError(
            f"{day} was not published by a cutover in {found.books_schema}; "
            "harness process --export writes a date's files as it processes it"
        )
    for path in copy_exports(found.entry, out_dir):
        click.echo(f"wrote {path}")
    return EXIT_OK


def decommission_gate(
    config: Config, policy_path: Path | None, dsn: str | None, as_json: bool = False
) -> int:
    """``harness gate --phase decommission``: the criteria over the published cutover dates."""
    tables = [config.gate.get("decommission", {})]
    if policy_path is not None:
        tables.append(policy_file(policy_path).get("decommission", {}))
    policy = decommission_policy(*tables)
    schema = books_schema(config)
    with open_database(dsn) as database, database.connect() as conn:
        documents = cutover_documents(all_documents(conn), schema)
    result = evaluate_decommission(policy, documents)
    head = {"phase": "decommission", "books_schema": schema, "published_dates": len(documents)}
    heading = f"books: {schema}; {len(documents)} published cutover date(s)"
    outcome = f"to decommission the original system ({len(result.runs)} date(s) in the window)"
    return show_gate(result, as_json, head, heading, outcome)
