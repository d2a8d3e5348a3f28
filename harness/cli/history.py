"""Commands that read the ledger: history, show, verify-ledger, report, gate."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

import reports
from harness import ledger
from harness.cli.common import EXIT_MISMATCH, EXIT_OK, dsn_option
from harness.cli.config_option import config_option, use_config
from harness.cli.cutover import decommission_gate
from harness.cli.gate_output import echo_json, show_gate
from harness.cli.output import print_summary, write_outputs
from harness.database import open_database
from harness.errors import InvalidInput, RunNotFound
from harness.gate import evaluate, load_policy
from harness.history import NO_RUNS, all_documents, latest_run_id, run_document, summaries
from harness.ledger.keys import recorded_list_problems
from harness.pairs import select_pair

SHORT_HASH = 12  # hex digits of a side's sql_sha256 in history, as gate's pair line shows them
HASH_WIDTH = 15  # "candidate sql" and a space

JSON_FLAG = click.option(
    "--json", "as_json", is_flag=True, help="One JSON document on stdout instead (docs/json-output.md)."
)


@click.command()
@dsn_option
@JSON_FLAG
def history(dsn: str | None, as_json: bool) -> None:
    """List the runs recorded in the ledger, oldest first.

    A cutover date (harness cutover) is a run of one date; its line ends with the cutover
    verdict and the side whose books were published. Each run shows its control's and
    candidate's SQL hash (the first 12 hex digits of the
    sql_sha256 the run recorded per side): runs of other SQL have other hashes.

    \b
    Example:
      harness history
      harness history --json
    """
    with open_database(dsn) as database, database.connect() as conn:
        runs = summaries(conn)
    if as_json:
        echo_json({"runs": [run.to_dict() for run in runs]})
        return
    if not runs:
        click.echo("no runs recorded yet; start one with 'harness run --demo'")
        return
    click.echo(
        f"{'run':<24}{'started (UTC)':<21}{'status':<13}{'dates':<25}"
        f"{'control sql':<{HASH_WIDTH}}{'candidate sql':<{HASH_WIDTH}}verdict"
    )
    for run in runs:
        span = run.dates[0] if len(run.dates) == 1 else f"{run.dates[0]}..{run.dates[-1]}"
        counts = ", ".join(f"{n} {v}" for v, n in run.counts.items() if n)
        hashes = "".join(f"{_short(h):<{HASH_WIDTH}}" for h in (run.control_sha256, run.candidate_sha256))
        click.echo(
            f"{run.run_id:<24}{run.started_at[:19].replace('T', ' '):<21}{run.status:<13}"
            f"{span:<25}{hashes}{run.verdict} ({counts})"
            + (f"; cutover {run.cutover}" if run.cutover else "")
        )


def _short(sha256: str) -> str:
    """A side's SQL hash as history shows it: the first SHORT_HASH hex digits ("-" if none)."""
    return sha256[:SHORT_HASH] or "-"


@click.command()
@click.argument("run_id", metavar="[RUN]", required=False)
@dsn_option
@click.option("--json", "as_json", is_flag=True, help="Print the run document (run.json) instead.")
def show(run_id: str | None, dsn: str | None, as_json: bool) -> int:
    """Print one run's summary (default: the latest run).

    \b
    Example:
      harness show 20261125_101500_ab12
      harness show --json
    """
    with open_database(dsn) as database, database.connect() as conn:
        doc = run_document(conn, run_id or latest_run_id(conn))
    if as_json:
        click.echo(reports.render_json(doc), nl=False)
    else:
        print_summary(doc)
    return EXIT_OK if doc["verdict"]["ready"] else EXIT_MISMATCH


@click.command("verify-ledger")
@click.option(
    "--anchor",
    "anchor_text",
    metavar="SEQ:HASH|run.json",
    help="Also prove the ledger still holds this chain head (from a run's console, run.json or JUnit).",
)
@dsn_option
@JSON_FLAG
def verify_ledger(anchor_text: str | None, dsn: str | None, as_json: bool) -> int:
    """Recompute the ledger's hash chain; exit 1 if any entry was altered or removed.

    Also checks every recorded list of differing keys (mismatches/<entity>.csv) against
    the fingerprint its comparison entry holds. With --anchor, also prove that the entry a
    run recorded as its head is still there unchanged: truncation, rehashing and forged
    entries before it are caught this way.
    With HARNESS_LEDGER_KEY set, the chain is verified as HMAC-SHA256.

    \b
    Example:
      harness verify-ledger
      harness verify-ledger --anchor ./harness-report/20261125_101500_ab12/run.json
      harness verify-ledger --anchor 412:9f2c...e1
      harness verify-ledger --json
    """
    anchor = parse_anchor(anchor_text) if anchor_text else None
    with open_database(dsn) as database, database.connect() as conn:
        empty = not ledger.ledger_exists(conn)
        checked, problems = (0, []) if empty else ledger.verify_chain(conn)
        if not empty:
            problems += [ledger.ChainProblem(seq, why) for seq, why in recorded_list_problems(conn)]
        missing = ledger.anchor_problem(conn, anchor) if anchor and not empty else None
    if anchor and empty:
        missing = f"entry {anchor.seq} of the anchor is gone: the ledger is empty"
    if anchor and missing:
        problems.append(ledger.ChainProblem(anchor.seq, missing))
    if as_json:
        echo_json(_verification_json(checked, problems, anchor, missing is None))
    elif empty:
        click.echo("ledger is empty: nothing to verify")
    else:
        _print_verification(checked, problems, anchor)
    return EXIT_MISMATCH if problems else EXIT_OK


def _verification_json(
    checked: int, problems: list[ledger.ChainProblem], anchor: ledger.Anchor | None, held: bool
) -> dict[str, Any]:
    return {
        "intact": not problems,
        "entries": checked,
        "problems": [asdict(problem) for problem in problems],
        "anchor": {"seq": anchor.seq, "hash": anchor.digest, "held": held} if anchor else None,
    }


def _print_verification(
    checked: int, problems: list[ledger.ChainProblem], anchor: ledger.Anchor | None
) -> None:
    for problem in problems:
        click.echo(f"entry {problem.seq}: {problem.problem}")
    if problems:
        click.echo(f"ledger TAMPERED: {len(problems)} problem(s) in {checked} entries")
        return
    held = f"; anchor {anchor.seq} held" if anchor else ""
    click.echo(f"ledger OK: {checked} entries, hash chain intact{held}")


def parse_anchor(text: str) -> ledger.Anchor:
    """SEQ:HASH, or the path of a run.json whose run names its last ledger entry."""
    if Path(text).is_file():
        try:
            run = json.loads(Path(text).read_text(encoding="utf-8"))["run"]
            return ledger.Anchor(int(run["ledger_seq"][1]), str(run["ledger_hash"]))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise InvalidInput(f"{text} is not a run.json with run.ledger_seq and run.ledger_hash") from exc
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise InvalidInput(f"--anchor {text!r}: give SEQ:HASH (64 hex digits) or the path of a run.json")
    return ledger.Anchor(int(seq), digest)


@click.command()
@click.argument("run_id", metavar="[RUN]", required=False)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Directory [./harness-report/RUN].")
@click.option(
    "--metrics", "metrics_path", type=click.Path(path_type=Path), help="Write Prometheus metrics here."
)
@dsn_option
def report(run_id: str | None, out_dir: Path | None, metrics_path: Path | None, dsn: str | None) -> int:
    """Re-render a run's HTML, JSON, JUnit and CSV reports from the ledger alone.

    \b
    Example:
      harness report 20261125_101500_ab12 --out ./audit
    """
    with open_database(dsn) as database, database.connect() as conn:
        doc = run_document(conn, run_id or latest_run_id(conn))
        out = out_dir or Path("harness-report") / doc["run"]["run_id"]
        files = write_outputs(doc, out, metrics_path, ledger=conn)
    click.echo(f"report: {files.html}")
    return EXIT_OK if doc["verdict"]["ready"] else EXIT_MISMATCH


@click.command()
@click.option("--policy", "policy_path", type=click.Path(path_type=Path), help="Policy TOML ([gate] table).")
@click.option("--run", "run_id", metavar="RUN", help="Evaluate this run only (default: the whole history).")
@config_option
@click.option(
    "--candidate",
    metavar="NAME|HASH",
    help="Evaluate this candidate's runs (default: the latest run's pair).",
)
@click.option(
    "--phase",
    type=click.Choice(["parallel", "decommission"]),
    default="parallel",
    show_default=True,
    help="parallel: may the cutover start; decommission: may the original be switched off.",
)
@dsn_option
@JSON_FLAG
def gate(
    policy_path: Path | None,
    run_id: str | None,
    config_path: Path | None,
    candidate: str | None,
    phase: str,
    dsn: str | None,
    as_json: bool,
) -> int:
    """Evaluate cutover readiness over the ledger; exit 0 ready, 1 not ready, 2 error.

    Criteria: N consecutive clean business dates, no FAILED side, no stale or expired
    accepted difference, candidate speedup on the median date, candidate invariants, and
    with [gate] require_cases the business cases those clean dates exercised. Only the
    runs of one pair count: the latest run's control, candidate (by SQL hash) and config,
    or the candidate named by --candidate. Given a config (--config, $HARNESS_CONFIG,
    ./harness.toml; not the bundled default), only the runs made with it.

    --phase decommission (policy: [gate.decommission]) evaluates the published cutover
    dates instead: N consecutive CLEAN dates (default 20) including a month end, no
    fallback among them, no stale or expired accepted difference, candidate speedup.

    \b
    Example:
      harness gate
      harness gate --policy cutover.toml --run 20261125_101500_ab12
      harness gate --candidate enhanced
      harness gate --phase decommission
      harness gate --json
    """
    config = use_config(config_path)
    if phase == "decommission":
        return decommission_gate(config, policy_path, dsn, as_json)
    policy = load_policy(policy_path, config.gate, config.path)
    with open_database(dsn) as database, database.connect() as conn:
        documents = [run_document(conn, run_id)] if run_id else all_documents(conn)
    if not documents:
        raise RunNotFound(NO_RUNS)
    pair, documents = select_pair(documents, candidate, None if config.bundled else config.sha256)
    result = evaluate(policy, documents)
    head = {"phase": "parallel", "pair": asdict(pair)}
    heading = f"pair: {pair}; {len(documents)} run(s) of it"
    return show_gate(result, as_json, head, heading, f"for cutover ({len(result.runs)} run(s) evaluated)")
