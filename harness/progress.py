"""Progress of a run on stderr: a live line on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Reports dates, sides and phases as a run goes; quiet=True reports nothing."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = self.stream.isatty()
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
