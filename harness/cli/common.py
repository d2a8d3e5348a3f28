"""Options and helpers shared by the commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import click

EXIT_OK = 0
EXIT_MISMATCH = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> int:
    click.echo(f"error: {message}", err=True)
    return EXIT_USAGE


class DateType(click.ParamType[date]):
    """A business date written YYYY-MM-DD."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value), "%Y-%m-%d").date()
        except ValueError:
            self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-03-01", param, ctx)


DATE = DateType()


def dsn_option(func: F) -> F:
    return click.option(
        "--dsn",
        envvar="HARNESS_DSN",
        metavar="DSN",
        help="PostgreSQL 15+ to use (also HARNESS_DSN); default: the embedded server.",
    )(func)


def source_schema_option(func: F) -> F:
    return click.option(
        "--source-schema",
        default="source",
        show_default=True,
        help="Schema holding the source tables.",
    )(func)


def echo_err(message: str) -> None:
    click.echo(message, err=True)
