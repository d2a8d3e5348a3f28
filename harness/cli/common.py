"""Options and helpers shared by the commands."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import click

from harness.progress import CONSOLE

SHORT_HELP_LIMIT = 1_000  # characters: the whole first sentence, wrapped rather than cut with "..."
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

EXIT_OK = 0
EXIT_MISMATCH = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> int:
    click.echo(f"error: {message}", err=True)
    return EXIT_USAGE


class HarnessGroup(click.Group):
    """A group whose command listing shows each command's first sentence whole, wrapped.

    click cuts a description that does not fit the line with "..." (always at 80 columns
    when stdout is not a terminal); the listing here never does.
    """

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(SHORT_HELP_LIMIT)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class DateType(click.ParamType[date]):
    """A business date written YYYY-MM-DD: four-digit year, two-digit month and day."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value)
        try:
            if DATE_PATTERN.fullmatch(text):
                return datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            pass
        self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-03-01", param, ctx)


DATE = DateType()


def dsn_option(func: F) -> F:
    return click.option(
        "--dsn",
        envvar="HARNESS_DSN",
        metavar="DSN",
        help="PostgreSQL 15+ to use (also HARNESS_DSN); default: the embedded server.",
    )(func)


def side_dsn_options(func: F) -> F:
    """``--control-dsn`` and ``--candidate-dsn``: a side on a server other than the harness's."""
    for label in ("candidate", "control"):
        func = click.option(
            f"--{label}-dsn",
            envvar=f"HARNESS_{label.upper()}_DSN",
            metavar="DSN",
            help=f"The {label}'s server, if not the harness's (also HARNESS_{label.upper()}_DSN; "
            f"[{label}] dsn).",
        )(func)
    return func


def source_schema_option(func: F) -> F:
    return click.option(
        "--source-schema",
        default="source",
        show_default=True,
        help="Schema holding the source tables.",
    )(func)


def echo_err(message: str) -> None:
    """A progress line on stderr; none with ``harness -q``."""
    if not CONSOLE.quiet:
        click.echo(message, err=True)
