"""What every layer shares about talking to PostgreSQL: the connection type and error text.

It lives at the bottom (comparisons imports nothing of harness), and the harness reuses it.
"""

from __future__ import annotations

from typing import Any

import psycopg

Connection = psycopg.Connection[tuple[Any, ...]]


def first_line(exc: BaseException) -> str:
    """The first non-blank line of an exception's message (PostgreSQL adds DETAIL and HINT lines)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
