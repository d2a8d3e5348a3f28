"""Books drift: a date's verdict holds for its rows as the run finally left them.

When a date is compared, each entity's rows of that date get a fingerprint per side
(count + order-independent hash, ignored columns left out). After every later date the
fingerprints of all the run's dates so far are recomputed, one grouped query per entity
and side; a date whose rows changed on either side is compared again. If it still matches
(both sides rewrote it alike), the new state becomes its baseline; if not, it is
REWRITTEN, naming the date whose processing changed it: a verdict of its own, never ready.

The grouped query is the entity's own query with its ``<column> = :business_date``
predicate widened to the run's dates and that column added to its output. An entity
whose query has no such predicate (the export: one file set per date, written once) is
not drift-checked.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from importlib.resources import files

import psycopg
from psycopg import sql
from sqlglot import exp

import comparisons
from comparisons.qualify import DATE_PARAMETER, qualify, render
from comparisons.result import Verdict
from harness.config import Config
from harness.database import Connection, first_line
from harness.isolation import SideSpace
from harness.ledger.entries import Comparison
from harness.reader import Reading
from harness.reconcile import compare_entity

DATE_ALIAS = "_harness_date"
FINGERPRINT = files("harness.sql").joinpath("drift_fingerprint.sql").read_text(encoding="utf-8")
Print = tuple[int, int]  # rows, digest


def dated_query(query: exp.Query, dates: list[date]) -> exp.Query | None:
    """The query over ``dates`` with its date column as DATE_ALIAS, or None if not expressible."""
    days = [exp.cast(exp.Literal.string(d.isoformat()), exp.DataType.build("date")) for d in dates]
    return widened_query(query, lambda column: exp.In(this=column, expressions=days))


def widened_query(query: exp.Query, widen: Callable[[exp.Column], exp.Expr]) -> exp.Query | None:
    """The query with its one ``<column> = :business_date`` predicate replaced by
    ``widen(column)`` and that column added as DATE_ALIAS (None: the query has no such predicate)."""
    found = [p for p in query.find_all(exp.Placeholder) if p.name == DATE_PARAMETER]
    if len(found) != 1 or not isinstance(query, exp.Select):
        return None
    widened = query.copy()
    placeholder = next(p for p in widened.find_all(exp.Placeholder) if p.name == DATE_PARAMETER)
    predicate = placeholder.parent
    if not isinstance(predicate, exp.EQ):
        return None
    column = predicate.left if predicate.right is placeholder else predicate.right
    if not isinstance(column, exp.Column):
        return None
    predicate.replace(widen(column.copy()))
    return widened.select(exp.alias_(column.copy(), DATE_ALIAS, quoted=True))


def fingerprints(
    conn: Connection, spec: comparisons.EntitySpec, schema: str, dates: list[date], seed: int
) -> dict[str, Print] | None:
    """Per date: the fingerprint of the entity's rows on one side (None: not drift-checked)."""
    query = dated_query(spec.parsed, dates)
    if query is None:
        return None
    rendered = render(qualify(query, schema))
    columns = [c for c in _columns(conn, rendered) if c not in spec.ignore and c != DATE_ALIAS]
    statement = sql.SQL(FINGERPRINT).format(
        alias=sql.Identifier(DATE_ALIAS),
        columns=sql.SQL(", ").join(sql.Identifier("s", c) for c in columns),
        query=sql.SQL(rendered.replace("%", "%%")),  # the seed is the only parameter
    )
    rows = conn.execute(statement, (seed,)).fetchall()
    found = {str(day): (int(n), int(digest)) for day, n, digest in rows}
    return {d.isoformat(): found.get(d.isoformat(), (0, 0)) for d in dates}


def _columns(conn: Connection, rendered: str) -> list[str]:
    cursor = conn.execute(sql.SQL("SELECT * FROM ({}) AS s LIMIT 0").format(sql.SQL(rendered)))
    return [c.name for c in cursor.description or ()]


@dataclass
class DriftCheck:
    """Baselines of the dates compared so far, and the check after each later date."""

    config: Config
    spaces: tuple[SideSpace, SideSpace]
    max_detail_rows: int
    baselines: dict[tuple[str, str], tuple[Print, Print]] = field(default_factory=dict)
    seed: int = field(default_factory=lambda: secrets.randbits(62))
    dates: list[date] = field(default_factory=list)

    def after(self, reading: Reading, day: date, compared: tuple[Comparison, ...] = ()) -> list[Comparison]:
        """Record ``day``'s baselines; compare again every earlier date whose rows changed.

        An entity that FAILED on ``day`` is not fingerprinted that day (its relations may be
        missing or refused); it is checked again once it compares.
        """
        self.dates.append(day)
        failed = {c.entity for c in compared if c.verdict is Verdict.FAILED}
        rewritten = []
        for spec in self.config.entities:
            if spec.name in failed:
                continue
            try:
                prints = [
                    fingerprints(conn, spec, s.schema, self.dates, self.seed)
                    for conn, s in zip(reading.sides, self.spaces, strict=True)
                ]
            except psycopg.Error as exc:
                reason = f"the books drift check could not read {spec.name}: {first_line(exc)}"
                rewritten.append(Comparison.failed(day.isoformat(), spec.name, list(spec.key), reason))
                continue
            if prints[0] is None or prints[1] is None:
                continue
            for earlier in self.dates:
                now = (prints[0][earlier.isoformat()], prints[1][earlier.isoformat()])
                key = (earlier.isoformat(), spec.name)
                if key in self.baselines and self.baselines[key] != now:
                    rewritten.extend(self._compare_again(reading, spec, earlier, day))
                self.baselines[key] = now
        return rewritten

    def _compare_again(
        self, reading: Reading, spec: comparisons.EntitySpec, earlier: date, by: date
    ) -> list[Comparison]:
        result = compare_entity(reading, self.config, spec, self.spaces, earlier, self.max_detail_rows)
        if result.verdict in (Verdict.MATCH, Verdict.ACCEPTED):
            return []  # both sides rewrote it alike: the books still agree
        reason = (
            f"compared {result.verdict} after the processing of {by} rewrote {earlier}'s {spec.name} "
            f"(it matched when first compared){': ' + result.error if result.error else ''}"
        )
        return [replace(result, verdict=Verdict.REWRITTEN, error=reason)]
