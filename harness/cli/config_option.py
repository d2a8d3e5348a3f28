"""``--config``: which configuration a command uses, found the same way by every command.

In this order: ``--config FILE``; else the file ``HARNESS_CONFIG`` names (it must exist);
else ``./harness.toml`` if the current directory has one; else the bundled default. The
command says on stderr, in one line, which one it used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from harness.config import Config, load_config
from harness.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])

ENV_VARIABLE = "HARNESS_CONFIG"
LOCAL_FILE = "harness.toml"
FROM_OPTION = "--config"
FROM_ENV = ENV_VARIABLE
FROM_CWD = "found in the current directory"
BUNDLED = "bundled default"


def config_option(func: F) -> F:
    """The ``--config FILE`` option; the command resolves it with :func:`use_config`."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        metavar="FILE",
        help=f"Config TOML (default: ${ENV_VARIABLE}, else ./{LOCAL_FILE}, else the bundled one).",
    )(func)


def resolve_config(
    given: Path | None, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> tuple[Path | None, str]:
    """The config file to use and how it was found (None: the bundled default).

    An empty ``HARNESS_CONFIG`` counts as unset; one naming no file is a ConfigError.
    """
    if given is not None:
        return given, FROM_OPTION
    named = (os.environ if environ is None else environ).get(ENV_VARIABLE, "")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(
                f"{ENV_VARIABLE} names {named}, which is not a file; point it at a config TOML or unset it"
            )
        return path, FROM_ENV
    local = (Path.cwd() if cwd is None else cwd) / LOCAL_FILE
    if local.is_file():
        return Path(LOCAL_FILE) if cwd is None else local, FROM_CWD
    return None, BUNDLED


def describe(path: Path | None, how: str) -> str:
    """The line a command prints on stderr: ``config: ./harness.toml (found in the current directory)``."""
    if path is None:
        return f"config: {BUNDLED}"
    shown = f"./{path}" if how == FROM_CWD and not path.is_absolute() else str(path)
    return f"config: {shown} ({how})"


def use_config(given: Path | None) -> Config:
    """Resolve the config (see the module), say on stderr which it is, and load it."""
    path, how = resolve_config(given)
    # said even under -q: the config decides the entities and the gate's policy, so which
    # file was picked up (a stray ./harness.toml, say) must never be silent
    click.echo(describe(path, how), err=True)
    return load_config(path)
