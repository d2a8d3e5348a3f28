"""Colour on the console: verdict words green, red or yellow, and only where colour is on.

Colour is on with ``harness --color``, off with ``--no-color`` or a non-empty ``NO_COLOR``
(https://no-color.org), else on only when the output is a terminal: the styles are always
written, and ``click.echo`` strips them unless the context's colour (or a terminal) says keep.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import click

GREEN = ("READY", "MATCH", "ACCEPTED", "CLEAN", "PASS", "OK")
RED = ("NOT READY", "MISMATCH", "FAILED", "NOT CLEAN", "REWRITTEN", "NO_OUTPUT", "FAIL", "TAMPERED")
YELLOW = ("INCOMPLETE", "FELL BACK", "NOT RUN")
COLOURS = {
    **dict.fromkeys(GREEN, "green"),
    **dict.fromkeys(RED, "red"),
    **dict.fromkeys(YELLOW, "yellow"),
}
# a verdict word standing alone in free text ("2024-03-02 gl_entries: MISMATCH (...)"), longest first
WORDS = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(COLOURS, key=len, reverse=True)) + r")(?![\w-])"
)


def color_setting(flag: bool | None, environ: Mapping[str, str] | None = None) -> bool | None:
    """The context colour for ``--color/--no-color``: the flag if given, else off under
    NO_COLOR, else None (click then keeps colour on a terminal only)."""
    if flag is not None:
        return flag
    return False if (os.environ if environ is None else environ).get("NO_COLOR") else None


def verdict(word: str, colour_of: str | None = None) -> str:
    """``word`` in its verdict's colour (the colour of verdict ``colour_of`` if given)."""
    colour = COLOURS.get(colour_of or word)
    return click.style(word, fg=colour) if colour and _enabled() else word


def cell(word: str, width: int, colour_of: str | None = None) -> str:
    """``word`` right-aligned in ``width`` columns, coloured: the padding stays outside the style."""
    return " " * (width - len(word)) + verdict(word, colour_of)


def verdicts(text: str) -> str:
    """Every verdict word in ``text`` coloured."""
    return WORDS.sub(lambda match: verdict(match.group(1)), text)


def _enabled() -> bool:
    """False where colour is off for sure (--no-color, NO_COLOR); click.echo decides the rest."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.color is not None:
        return ctx.color
    return not os.environ.get("NO_COLOR")
