"""``harness run``: both sides over the same dates, compared, recorded, reported."""

from __future__ import annotations

import shlex
import sys
from datetime import date, timedelta
from pathlib import Path

import click
from psycopg import sql

from harness.calendar import date_range
from harness.cli.common import DATE, EXIT_MISMATCH, EXIT_OK, dsn_option, echo_err, side_dsn_options
from harness.cli.config_option import config_option, use_config
from harness.cli.output import print_summary, write_outputs
from harness.config import Config
from harness.database import Connection, Database, open_database
from harness.history import run_document
from harness.progress import Progress
from harness.run_plan import RunRequest
from harness.run_start import RunState
from harness.runner import Runner
from harness.servers import resolve_servers
from harness.source import source_exists
from harness.synthetic.loader import seed

DEMO_FIRST = date(2024, 3, 1)
DEMO_DAYS = 5
DEMO_LAST = DEMO_FIRST + timedelta(days=DEMO_DAYS - 1)
DEMO_PER_DAY = 2000


DEMO_REPEAT = 3  # the demo shows spreads and intervals: a few samples a side, not one


@click.command("run")
@click.option("--from", "first", type=DATE, help="First business date (YYYY-MM-DD).")
@click.option("--to", "last", type=DATE, help="Last business date, inclusive.")
@click.option("--dates", help="Comma-separated business dates, instead of --from/--to.")
@config_option
@dsn_option
@side_dsn_options
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), help="Report directory [./harness-report/RUN]."
)
@click.option("--keep-schemas", is_flag=True, help="Keep the sides' schemas and roles after the run.")
@click.option(
    "--concurrent", is_flag=True, help="Run control and candidate side by side (timings less clean)."
)
@click.option("--phase-timeout", type=float, help="Seconds a phase may take before the side FAILS.")
@click.option("--no-role-isolation", is_flag=True, help="Run without per-side roles (reported as such).")
@click.option(
    "--max-detail-rows",
    type=int,
    default=10_000,
    show_default=True,
    help="Differing keys sampled per entity (counts and verdicts stay exact).",
)
@click.option(
    "--repeat",
    type=int,
    help="Time each side N times per date on identical state (N-1 rolled back, then the recorded "
    "one; sides alternate): spreads and a speedup interval (default: [run] repeat, 1).",
)
@click.option(
    "--plans",
    is_flag=True,
    help="Capture both sides' query plans (auto_explain) on the first date, rolled back, before its timings.",
)
@click.option(
    "--metrics", "metrics_path", type=click.Path(path_type=Path), help="Write Prometheus metrics here."
)
@click.option(
    "--resume", "resume", metavar="RUN", help="Continue an interrupted run from its first unrecorded date."
)
@click.option(
    "--demo",
    is_flag=True,
    help="Seed five demo business days if the source is empty, then run them with the evidence "
    f"options on (--repeat {DEMO_REPEAT} --plans, unless --repeat is given).",
)
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@click.option("--yes", is_flag=True, help="Allow a range of more than 366 business dates.")
def run_command(
    first: date | None,
    last: date | None,
    dates: str | None,
    config_path: Path | None,
    dsn: str | None,
    control_dsn: str | None,
    candidate_dsn: str | None,
    out_dir: Path | None,
    keep_schemas: bool,
    concurrent: bool,
    phase_timeout: float | None,
    no_role_isolation: bool,
    max_detail_rows: int,
    repeat: int | None,
    plans: bool,
    metrics_path: Path | None,
    resume: str | None,
    demo: bool,
    quiet: bool,
    yes: bool,
) -> int:
    """Run control and candidate over the same dates, compare every entity, record and report it.

    Exit codes: 0 ready, 1 not ready or incomplete, 2 usage or environment, 3 a harness bug, 130 interrupted.

    \b
    Example:
      harness run --demo
      harness run --dates 2024-03-01,2024-03-04 --config my-pair.toml --repeat 5 --plans
      harness run --demo --control-dsn postgresql://harness@old-prod/books
    """
    business_dates = _dates(first, last, dates, demo, resume)
    config, progress = use_config(config_path), Progress(quiet=quiet)
    with open_database(dsn) as database:
        if demo:
            servers = resolve_servers(database, config.servers, control_dsn, candidate_dsn)
            _seed_demo(servers.source, config, progress)
        state = Runner(database, config, progress).run(_request(business_dates))
        return _publish(database, state, metrics_path)


def _request(business_dates: tuple[date, ...]) -> RunRequest:
    """The run the command line asks for (its options as click parsed them)."""
    given = click.get_current_context().params
    demo, repeat = given["demo"], given["repeat"]
    return RunRequest(
        dates=business_dates,
        out_dir=given["out_dir"],
        keep_schemas=given["keep_schemas"],
        concurrent=given["concurrent"],
        phase_timeout=given["phase_timeout"],
        role_isolation=not given["no_role_isolation"],
        resume=given["resume"],
        command_line=shlex.join(["harness", *sys.argv[1:]]),
        max_detail_rows=given["max_detail_rows"],
        yes=given["yes"],
        repeat=DEMO_REPEAT if demo and repeat is None else repeat,
        plans=given["plans"] or demo,
        control_dsn=given["control_dsn"],
        candidate_dsn=given["candidate_dsn"],
    )


def _publish(database: Database, state: RunState, metrics_path: Path | None) -> int:
    """The run's reports written, its summary and ledger anchor printed; the exit code."""
    with database.connect() as conn:
        doc = run_document(conn, state.run_id)
        files = write_outputs(doc, state.out_dir, metrics_path, ledger=conn)
    print_summary(doc, files.html)
    anchor = f"{doc['run']['ledger_seq'][1]}:{doc['run']['ledger_hash']}"
    click.echo(f"ledger anchor: {anchor} (keep it; later: harness verify-ledger --anchor {anchor})")
    return EXIT_OK if doc["verdict"]["ready"] else EXIT_MISMATCH


def _dates(
    first: date | None, last: date | None, dates: str | None, demo: bool, resume: str | None
) -> tuple[date, ...]:
    if resume:
        if first or last or dates:
            raise click.UsageError("--resume takes its dates from the run; drop --from/--to/--dates")
        return ()
    if dates:
        if first or last:
            raise click.UsageError("give either --dates or --from/--to, not both")
        try:
            return tuple(sorted({DATE.convert(d.strip(), None, None) for d in dates.split(",") if d.strip()}))
        except click.BadParameter as exc:
            raise click.BadParameter(exc.message, param_hint="'--dates'") from exc
    if first is None and last is None and demo:
        return tuple(date_range(DEMO_FIRST, DEMO_LAST))
    if first is None or last is None:
        raise click.UsageError("give --from and --to (or --dates, or --demo)")
    return tuple(date_range(first, last))


def _seed_demo(database: Database, config: Config, progress: Progress) -> None:
    schema = config.source.schema
    with database.connect() as conn:
        if source_exists(conn, schema) and _has_transactions(conn, schema):
            return
        progress.line(
            f"--demo: seeding {DEMO_DAYS} business days x {DEMO_PER_DAY} transactions into {schema!r}"
        )
        seed(
            conn,
            schema,
            DEMO_FIRST,
            DEMO_LAST,
            DEMO_PER_DAY,
            7,
            progress=echo_err if not progress.quiet else None,
        )


def _has_transactions(conn: Connection, schema: str) -> bool:
    row = conn.execute(
        sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(schema, "insurance_transaction"))
    ).fetchone()
    return bool(row and row[0])
