"""Checks made inside the publishing transaction, under its lock, just before the books
change: that nothing moved since the date's run started, and that publishing runs no
side code as the harness's own user."""

from __future__ import annotations

from datetime import date
from typing import Any

from psycopg import sql

from harness.config import Config
from harness.cutover.checks import check_no_side_code
from harness.database import Connection
from harness.errors import CutoverError
from harness.fingerprint import fingerprint
from harness.isolation import SideSpace
from harness.ledger import Anchor, head
from harness.reader import refused_relations


def guard(
    conn: Connection, config: Config, books: str, space: SideSpace, day: date, opened: dict[str, Any]
) -> None:
    """``opened``: the run's input fingerprints, holding its copy of each books table."""
    read = [*config.cutover.books, *config.source.replay]
    refused = refused_relations(conn, space, read)
    if refused:
        raise CutoverError(f"{day} cannot be published from {space.side.name}: {refused}")
    check_no_side_code(conn, books, config.cutover.books)
    new, total = new_rows(conn, config, day)
    if new != total:
        raise CutoverError(
            f"{total - new} of {total} input rows of {day} were processed meanwhile; nothing published"
        )
    for table in config.cutover.books:
        copied = opened.get(f"opening {books}.{table}")
        if copied is None or fingerprint(conn, books, table).to_dict() != copied:
            raise CutoverError(
                f"{books}.{table} changed since the run of {day} copied it (another cutover, or by "
                "hand); nothing published: run the date again"
            )


def new_rows(conn: Connection, config: Config, day: date) -> tuple[int, int]:
    """(rows still NEW, rows) of the date in the source's date table."""
    if config.source.date_table is None:
        raise CutoverError("the config has no date-scoped source table: nothing says what a date's input is")
    counts = statuses(conn, config, day)
    return counts.get("NEW", 0), sum(counts.values())


def statuses(conn: Connection, config: Config, day: date) -> dict[str, int]:
    """The date's rows in the source's date table, counted by status ({} without such a table)."""
    source = config.source
    if source.date_table is None:
        return {}
    table, column = source.date_table
    has_status = conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "AND column_name = 'status'",
        (source.schema, table),
    ).fetchone()
    if has_status is None:
        raise CutoverError(
            f"the cutover follows a date's input by its status column: {source.schema}.{table} has none, "
            "so this job's dates cannot be cut over (parallel runs need no status: harness run)"
        )
    rows = conn.execute(
        sql.SQL("SELECT status, count(*) FROM {} WHERE {} = %s GROUP BY 1 ORDER BY 1").format(
            sql.Identifier(source.schema, table), sql.Identifier(column)
        ),
        (day,),
    ).fetchall()
    return {str(s): int(n) for s, n in rows}


def ledger_unmoved(conn: Connection, before: Anchor | None) -> None:
    """Nothing but this transaction's own entry may be appended while it publishes."""
    if head(conn) != before:
        raise CutoverError("the ledger moved while the date was being published; nothing published")
