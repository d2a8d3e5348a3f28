"""``harness status DATE``: what production holds of a date, from the ledger and the source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from harness.config import Config
from harness.cutover.guard import statuses
from harness.cutover.night import books_schema
from harness.database import Connection
from harness.ledger import ledger_exists
from harness.ledger.entries import CutoverPublished
from harness.ledger.runs import published_dates
from harness.source import source_exists


@dataclass(frozen=True)
class DateStatus:
    business_date: date
    books_schema: str
    run_id: str | None
    entry: CutoverPublished | None
    statuses: dict[str, int]  # the source rows of the date by status

    @property
    def published(self) -> bool:
        return self.entry is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "business_date": self.business_date.isoformat(),
            "books_schema": self.books_schema,
            "published": self.published,
            "run_id": self.run_id,
            "cutover": self.entry.to_body() if self.entry else None,
            "transactions": sum(self.statuses.values()),
            "statuses": self.statuses,
        }

    def text(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.statuses.items()) or "none in the source"
        tail = f"transactions: {sum(self.statuses.values())} ({counts})"
        if self.entry is None:
            return f"{self.business_date}: not published in {self.books_schema}; {tail}"
        e = self.entry
        lines = [
            f"{self.business_date}: {e.verdict}: published by {e.side} "
            f"({e.published_by}; primary: {e.primary}) at {e.published_at}",
            f"  into {e.books_schema}, run {self.run_id}",
            f"  {tail}",
        ]
        lines += [f"  why: {r}" for r in e.reasons[:5]]
        return "\n".join(lines)


def date_status(conn: Connection, config: Config, day: date) -> DateStatus:
    schema = books_schema(config)
    found = published_dates(conn).get((schema, day.isoformat())) if ledger_exists(conn) else None
    run_id, entry = found if found else (None, None)
    return DateStatus(day, schema, run_id, entry, _statuses(conn, config, day))


def _statuses(conn: Connection, config: Config, day: date) -> dict[str, int]:
    return statuses(conn, config, day) if source_exists(conn, config.source.schema) else {}
