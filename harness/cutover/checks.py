"""What must hold before a side's rows are published: a strict key, rows that key
uniquely, nothing dated after the date, and no side code on the books tables."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from importlib.resources import files

from psycopg import sql

from harness.database import Connection
from harness.errors import CutoverError

SIDE_CODE = files("harness.sql").joinpath("cutover_side_code.sql").read_text(encoding="utf-8")
TABLE_COLUMNS = files("harness.sql").joinpath("cutover_table_columns.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    in_key: bool


def columns(conn: Connection, schema: str, table: str) -> list[Column]:
    return [Column(str(n), str(t), bool(k)) for n, t, k in conn.execute(TABLE_COLUMNS, (schema, table))]


def keyed(books: list[Column], side: set[str], declared: tuple[str, ...], where: str) -> list[Column]:
    """The books table's columns, ``in_key`` marking the key rows are matched on: [cutover]
    keys, else the primary key; every column of it in both tables (never a silent subset)."""
    if declared:
        missing = [k for k in declared if k not in {c.name for c in books} or k not in side]
        if missing:
            raise CutoverError(
                f"[cutover] keys of {where} names {', '.join(missing)}, not in both sides' tables"
            )
        books = [replace(c, in_key=c.name in declared) for c in books]
    key = [c for c in books if c.in_key]
    if not key or any(c.name not in side for c in key):
        raise CutoverError(f"{where} needs a key both sides' tables have: a primary key, or [cutover] keys")
    return books


def check_side_rows(
    conn: Connection, origin: sql.Identifier, key: list[str], date_column: str | None, day: date, where: str
) -> None:
    """Each side row has one non-NULL key, and none is dated after ``day``."""
    names = sql.SQL(", ").join(sql.Identifier(k) for k in key)
    nulls = sql.SQL(" OR ").join(sql.SQL("{} IS NULL").format(sql.Identifier(k)) for k in key)
    row = conn.execute(
        sql.SQL(
            "SELECT (SELECT count(*) FROM (SELECT FROM {t} GROUP BY {k} HAVING count(*) > 1) AS d), "
            "(SELECT count(*) FROM {t} WHERE {n})"
        ).format(t=origin, k=names, n=nulls)
    ).fetchone()
    if row and (row[0] or row[1]):
        raise CutoverError(
            f"the side's {where} has {row[0]} duplicate and {row[1]} NULL key(s) ({', '.join(key)})"
        )
    if date_column is None:
        return
    later = conn.execute(
        sql.SQL("SELECT count(*) FROM {} WHERE {} > %s").format(origin, sql.Identifier(date_column)), (day,)
    ).fetchone()
    if later and later[0]:
        raise CutoverError(f"the side's {where} has {later[0]} row(s) dated after {day}")


def check_no_side_code(conn: Connection, schema: str, tables: tuple[str, ...]) -> None:
    found = conn.execute(SIDE_CODE, {"schema": schema, "tables": list(tables)}).fetchone()
    if found:
        raise CutoverError(
            f"{schema}.{found[0]} has a {found[1]}: it would run as the harness while publishing; "
            "the books tables must carry no triggers or rules"
        )
