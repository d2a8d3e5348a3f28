"""The whole books: after the run's last date, every entity compared once over all its rows.

The per-date comparisons and the drift check cover the rows dated on the run's dates. A
side can also write rows no date's comparison reads: dated before the first date or after
the last, on a date the run skipped. So, once the last date is recorded, each entity whose
query filters ``<column> = :business_date`` is compared again with that filter removed,
over everything the two sides' books hold, the date column added to the key (a key unique
within a date need not be unique across dates). The final verdict is then about the books
as the run left them. An entity without such a filter (the export: one file set per date,
reloaded each date) has no whole-books form and is left to its per-date comparisons.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlglot import exp

import comparisons
from comparisons.qualify import render
from harness.config import Config
from harness.drift import DATE_ALIAS, widened_query
from harness.isolation import SideSpace
from harness.ledger.entries import BOOKS, Comparison
from harness.ledger.keys import KeyRecorder
from harness.reader import Reading
from harness.reconcile import compare_entity


def whole_books_spec(spec: comparisons.EntitySpec) -> comparisons.EntitySpec | None:
    """The entity over all dates (None: its query has no date filter to remove)."""
    query = widened_query(spec.parsed, lambda column: exp.true())
    if query is None:
        return None
    return replace(spec, query=render(query), key=(*spec.key, DATE_ALIAS), query_file="")


def compare_books(
    reading: Reading,
    config: Config,
    spaces: tuple[SideSpace, SideSpace],
    as_of: date,
    max_detail_rows: int,
    keys: KeyRecorder | None = None,
) -> list[Comparison]:
    """One whole-books result per entity that has a whole-books form, recorded as of ``as_of``;
    its differing keys recorded to ``keys`` with scope books, so they never replace the list
    of the last date's own comparison."""
    books_keys = keys.books() if keys else None
    results = []
    for spec in config.entities:
        books = whole_books_spec(spec)
        if books is not None:
            result = compare_entity(reading, config, books, spaces, as_of, max_detail_rows, books_keys)
            results.append(replace(result, scope=BOOKS))
    return results
