"""Progress of a run on stderr: a live line on a terminal, plain lines otherwise.

How much the console says is set once per command line by the ``harness`` group's options
(``-q``, ``-v``, ``--debug``) in :data:`CONSOLE`; the CLI's entry point resets it per call.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO

QUIET, NORMAL, VERBOSE = 0, 1, 2


@dataclass
class Console:
    """The global console options: verbosity (QUIET, NORMAL, VERBOSE) and --debug."""

    verbosity: int = NORMAL
    debug: bool = False

    @property
    def quiet(self) -> bool:
        return self.verbosity == QUIET

    @property
    def verbose(self) -> bool:
        return self.verbosity >= VERBOSE

    def reset(self, verbosity: int = NORMAL, debug: bool = False) -> None:
        self.verbosity, self.debug = verbosity, debug


CONSOLE = Console()


class Progress:
    """Reports dates, sides and phases as a run goes; quiet=True (or ``harness -q``) reports nothing.

    With ``harness -v`` a phase's status stays on its own line on a terminal too.
    """

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet or CONSOLE.quiet
        self.live = self.stream.isatty() and not CONSOLE.verbose
        self.started = time.perf_counter()
        self._live_width = 0

    def _elapsed(self) -> str:
        return f"[{time.perf_counter() - self.started:7.1f}s]"

    def status(self, text: str) -> None:
        """A transient state (a phase running): overwritten on a terminal, a line otherwise."""
        if self.quiet:
            return
        if self.live:
            line = f"{self._elapsed()} {text}"
            self.stream.write("\r" + line.ljust(self._live_width))
            self._live_width = len(line)
            self.stream.flush()
        else:
            self.line(text)

    def line(self, text: str) -> None:
        """A lasting line (a date and side finished, a result)."""
        if self.quiet:
            return
        if self.live and self._live_width:
            self.stream.write("\r" + " " * self._live_width + "\r")
            self._live_width = 0
        self.stream.write(f"{self._elapsed()} {text}\n")
        self.stream.flush()
