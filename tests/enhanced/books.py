"""The enhanced side installed in schema ``enh`` beside a source schema, for its own tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from harness.sides import install_side, load_side, process_date
from harness.source import install_source
from harness.synthetic.loader import seed

ENHANCED = Path(__file__).resolve().parents[2] / "enhanced"
SCHEMA = "enh"
SOURCE = "source"

Row = tuple[Any, ...]


class Enhanced:
    """The enhanced side installed in schema ``enh`` beside a source schema."""

    def __init__(self, conn: psycopg.Connection[Row]) -> None:
        self.conn = conn
        self.side = load_side(str(ENHANCED))
        install_source(conn, SOURCE)
        install_side(conn, self.side, SCHEMA)

    def seed(self, first: date, last: date, per_day: int = 60) -> None:
        seed(self.conn, SOURCE, first, last, per_day, 11)

    def process(self, *dates: date) -> None:
        for day in dates:
            process_date(self.conn, self.side, SCHEMA, SOURCE, day)

    def rows(self, query: str, params: Any = None) -> list[Row]:
        with self.conn.transaction():
            self.conn.execute(f"SET LOCAL search_path TO {SCHEMA}, {SOURCE}")
            return self.conn.execute(query, params).fetchall()

    def value(self, query: str, params: Any = None) -> Any:
        return self.rows(query, params)[0][0]
