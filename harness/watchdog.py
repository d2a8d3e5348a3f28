"""Time limits enforced from outside a side's session, so a side cannot lift its own.

A side can reset ``statement_timeout`` or catch the cancel in PL/pgSQL; neither helps it
here: at the limit the watchdog sends a cancel request for the side's backend, and if the
statement is still running ``GRACE_SECONDS`` later it terminates the backend from the
harness's own connection.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

GRACE_SECONDS = 2.0
Terminate = Callable[[int], None]


class Watchdog:
    """Guards statements on one side connection; ``fired`` tells whether the limit struck."""

    def __init__(self, conn: psycopg.Connection[Any], limit: float | None, terminate: Terminate) -> None:
        self.conn = conn
        self.limit = limit
        self.terminate = terminate
        self.pid = conn.info.backend_pid
        self.fired = False

    @contextmanager
    def guard(self) -> Iterator[None]:
        """The block runs under the limit (no-op without one)."""
        if not self.limit:
            yield
            return
        timers = [
            threading.Timer(self.limit, self._cancel),
            threading.Timer(self.limit + GRACE_SECONDS, self._terminate),
        ]
        for timer in timers:
            timer.daemon = True
            timer.start()
        try:
            yield
        finally:
            for timer in timers:
                timer.cancel()

    def _cancel(self) -> None:
        self.fired = True
        with contextlib.suppress(psycopg.Error, OSError):  # the terminate timer follows
            self.conn.cancel_safe(timeout=GRACE_SECONDS)

    def _terminate(self) -> None:
        self.fired = True
        with contextlib.suppress(psycopg.Error, OSError):  # the server is gone: the statement fails
            self.terminate(self.pid)
