"""``harness calibrate``: a side against a second copy of itself; its noise, and what would silence it."""

from __future__ import annotations

import json
import shlex
import sys
from datetime import date
from pathlib import Path

import click

from harness.calendar import date_range
from harness.calibrate import SIDES, Calibration, from_document, run_calibration
from harness.cli.common import DATE, EXIT_MISMATCH, EXIT_OK, dsn_option
from harness.cli.config_option import config_option, use_config
from harness.cli.gate_output import echo_json
from harness.cli.output import write_outputs
from harness.config import Config
from harness.database import Database, open_database
from harness.progress import Progress
from harness.run_plan import RunRequest

RESULT_FILES = ("calibration.toml", "calibration.json")


@click.command("calibrate")
@click.option("--from", "first", type=DATE, required=True, help="First business date (YYYY-MM-DD).")
@click.option("--to", "last", type=DATE, required=True, help="Last business date, inclusive.")
@click.option(
    "--side",
    type=click.Choice(["control", "candidate", "both"]),
    default="both",
    show_default=True,
    help="Which side to run against a second copy of itself.",
)
@config_option
@dsn_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Report directory [./harness-report/RUN]; with --side both, DIR/control and DIR/candidate.",
)
@click.option(
    "--keep-ignores",
    is_flag=True,
    help="Keep the config's ignores: check they silence all the side's noise (exit 0) instead.",
)
@click.option("--no-role-isolation", is_flag=True, help="Run without per-side roles (reported as such).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout instead.")
def calibrate(
    first: date,
    last: date,
    side: str,
    config_path: Path | None,
    dsn: str | None,
    out_dir: Path | None,
    keep_ignores: bool,
    no_role_isolation: bool,
    as_json: bool,
) -> int:
    """Run a side against a second copy of itself on the same dates and report every column
    the two copies disagree on (timestamps, surrogate ids, order-dependent values): the side's
    own noise, with the ignore or normalizers entries that would silence exactly that noise.

    Every ignore is removed (the noise a config ignores shows, proving the ignore justified;
    --keep-ignores keeps them: only the noise they miss shows) and no accepted difference
    applies. Each calibration is a run recorded in the ledger; its reports, calibration.toml
    and calibration.json go to its directory. See docs/calibrate.md.

    Exit codes: 0 no noise, 1 noise found (or a side failed), 2 usage or environment error.

    \b
    Example:
      harness calibrate --from 2024-03-01 --to 2024-03-02
      harness calibrate --from 2024-03-01 --to 2024-03-05 --side candidate --config my-pair.toml
      harness calibrate --from 2024-03-01 --to 2024-03-01 --json | jq .sides[0].toml
    """
    dates = tuple(date_range(first, last))
    config = use_config(config_path)
    labels = SIDES if side == "both" else (side,)
    with open_database(dsn) as database:
        requests = {label: _request(dates, out_dir, label, labels, no_role_isolation) for label in labels}
        found = [_calibrate(database, config, label, requests[label], keep_ignores) for label in labels]
    clean = all(c.clean for c in found)
    if as_json:
        echo_json({"clean": clean, "sides": [c.to_dict() for c in found]})
    else:
        for calibration in found:
            _print(calibration)
    return EXIT_OK if clean else EXIT_MISMATCH


def _request(
    dates: tuple[date, ...], out_dir: Path | None, label: str, labels: tuple[str, ...], no_isolation: bool
) -> RunRequest:
    """The calibration run of one side: in DIR/<label> when both sides are calibrated."""
    return RunRequest(
        dates=dates,
        out_dir=out_dir / label if out_dir is not None and len(labels) > 1 else out_dir,
        role_isolation=not no_isolation,
        command_line=shlex.join(["harness", *sys.argv[1:]]),
    )


def _calibrate(
    database: Database, config: Config, label: str, request: RunRequest, keep_ignores: bool
) -> Calibration:
    """One side calibrated: its run recorded, its reports and proposals written."""
    state, doc = run_calibration(database, config, label, request, Progress(), keep_ignores)
    with database.connect() as conn:
        write_outputs(doc, state.out_dir, None, ledger=conn)
    calibration = from_document(doc, config, label, state.out_dir, keep_ignores)
    (state.out_dir / RESULT_FILES[0]).write_text(calibration.toml, encoding="utf-8")
    (state.out_dir / RESULT_FILES[1]).write_text(
        json.dumps(calibration.to_dict(), indent=2) + "\n", encoding="utf-8"
    )
    return calibration


def _print(c: Calibration) -> None:
    span = f"{c.dates[0]}..{c.dates[-1]}"
    click.echo(f"calibration of the {c.label} ({c.side}) against itself: run {c.run_id}, {span}")
    if c.noise:
        width = max(len("entity"), *(len(n.entity) for n in c.noise))
        column = max(len("column"), *(len(n.column) for n in c.noise))
        click.echo(f"  {'entity':<{width}}  {'column':<{column}}  {'differing':>15}  proposal")
        for n in c.noise:
            figures = f"{n.rows} / {n.compared}"
            proposal = f"{n.proposal} (ignored already)" if n.ignored else n.proposal
            click.echo(f"  {n.entity:<{width}}  {n.column:<{column}}  {figures:>15}  {proposal}: {n.reason}")
    else:
        click.echo("  no column differed between the two copies")
    for key in c.keys:
        click.echo(f"  {key.entity}: {key.rows} key(s) only one copy held (or held twice): the key is noisy")
    for failure in c.failures:
        click.echo(f"  not measured: {failure}")
    if c.unmeasured:
        click.echo(f"  ignored but no measured noise: {', '.join(c.unmeasured)}")
    click.echo("")
    click.echo(c.toml)
    verdict = "no noise" if c.clean else "noise found"
    click.echo(f"{c.label}: {verdict}; written to {c.out_dir / RESULT_FILES[0]}")
    click.echo("")
