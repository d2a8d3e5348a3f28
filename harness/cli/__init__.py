"""The ``harness`` command line: expected errors become one line on stderr and exit code 2
(``harness --debug``: the traceback follows)."""

from __future__ import annotations

import signal
import sys
import traceback
from typing import Any

import click
import psycopg

from harness import __version__
from harness.cli.calibrate import calibrate
from harness.cli.common import EXIT_BUG, EXIT_INTERRUPTED, EXIT_USAGE, HarnessGroup, fail
from harness.cli.cutover import books, cutover, export, status
from harness.cli.db import db
from harness.cli.history import gate, history, report, show, verify_ledger
from harness.cli.process import process
from harness.cli.run import run_command
from harness.cli.seed import seed_command
from harness.cli.serve import serve
from harness.cli.source import source
from harness.cli.style import color_setting
from harness.database import first_line, redact
from harness.errors import HarnessError
from harness.progress import CONSOLE, NORMAL, QUIET, VERBOSE


@click.group(
    cls=HarnessGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="harness")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
@click.option("-v", "--verbose", is_flag=True, help="More detail: every reason, every phase on its own line.")
@click.option("--debug", is_flag=True, help="After an error's one line, its full traceback.")
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the verdicts (default: only on a terminal, and never with NO_COLOR set).",
)
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: bool, debug: bool, color: bool | None) -> None:
    """Parallel-run harness: run a legacy and a rewritten journal job on the same business
    dates and prove they produce the same books.

    \b
    Example:
      harness run --demo
      harness run --from 2024-03-01 --to 2024-03-05
      harness -q --no-color gate
    """
    if quiet and verbose:
        raise click.UsageError("give either --quiet or --verbose, not both")
    CONSOLE.reset(QUIET if quiet else VERBOSE if verbose else NORMAL, debug)
    ctx.color = color_setting(color)
    ctx.obj = CONSOLE


cli.add_command(db)
cli.add_command(seed_command)
cli.add_command(process)
cli.add_command(cutover)
cli.add_command(status)
cli.add_command(books)
cli.add_command(export)
cli.add_command(serve)
cli.add_command(source)
cli.add_command(calibrate)
for command in (run_command, history, show, verify_ledger, report, gate):
    cli.add_command(command)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled like Ctrl-C: the run records itself interrupted, resumable."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def main(argv: list[str] | None = None) -> None:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (0, 1, 2, 3 or 130) instead of raising.

    3 is a bug in the harness (with its traceback), never a verdict: CI must not read a
    crash as a mismatch.
    """
    CONSOLE.reset()
    try:
        return _run(argv)
    finally:
        CONSOLE.reset()  # the next call in this process (a test) starts from the defaults


def _run(argv: list[str] | None) -> int:
    try:
        result: Any = cli.main(args=argv, prog_name="harness", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return EXIT_USAGE
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "harness"
        return fail(f"{exc.format_message()} (see '{command} --help')")
    except click.ClickException as exc:
        return fail(exc.format_message())
    except HarnessError as exc:
        return _traced(fail(redact(str(exc))))
    except psycopg.OperationalError as exc:
        return _traced(
            fail(f"the database connection failed: {redact(first_line(exc))}; check the server and retry")
        )
    except (KeyboardInterrupt, click.Abort) as exc:
        # click turns a KeyboardInterrupt (and so a Terminated) into Abort, keeping it as the cause.
        signalled = exc if isinstance(exc, Terminated) else exc.__cause__
        if isinstance(signalled, Terminated):
            click.echo(f"terminated ({signalled})", err=True)
            return 128 + signalled.signum
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except Exception:
        click.echo(redact(traceback.format_exc()), err=True)
        click.echo(
            "error: this is a bug in the harness (exit 3); please report it with the traceback above",
            err=True,
        )
        return EXIT_BUG
    return int(result or 0)


def _traced(code: int) -> int:
    """An expected error's exit code; with --debug its traceback follows the one-line message."""
    if CONSOLE.debug:
        click.echo(redact(traceback.format_exc()), err=True, nl=False)
    return code
