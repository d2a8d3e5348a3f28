"""Accepted differences: recorded, approved exceptions matched against concrete rows.

An entry covers an examined difference of its entity when it has not expired, every
column the row differs in is among its ``columns`` (a row missing on a side or with a
duplicate key differs in all compared columns: such rows need ``columns = ["*"]``), and
its one condition holds:
  when = "control_invalid_json" | "candidate_invalid_json"   that side's value of every
                                                            differing column is not JSON
  where = "<SQL predicate>"   over control.<col> and candidate.<col> (text), evaluated in
                              PostgreSQL on the examined pairs loaded into temp tables
  keys = [[...], ...]         the row's key is listed
and, if it states one, its expectation holds on the row:
  expect = "<SQL predicate>"  over control.<col> and candidate.<col> (text): what the
                              candidate's values must be given the control's (or the
                              control's repaired); a row in scope that does not meet it
                              stays unexplained, and is counted per entry as unmet.
A row is credited to the first entry (in config order) that covers it. Everything is
evaluated in PostgreSQL over every differing key (comparisons.covering), not samples.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlglot import exp

from comparisons import values
from comparisons.qualify import QueryProblem, parse_condition, render
from comparisons.spec import EntitySpec

ACCEPTED_KEYS = (
    "id",
    "entity",
    "columns",
    "when",
    "where",
    "keys",
    "expect",
    "reason",
    "approved_by",
    "ticket",
    "expires",
)
CONDITIONS = ("when", "where", "keys")
WHEN = ("control_invalid_json", "candidate_invalid_json")
PAIR_SIDES = ("control", "candidate")
ALL_COLUMNS = "*"


@dataclass(frozen=True)
class AcceptedDifference:
    """One [[accepted_differences]] entry."""

    id: str
    entity: str
    columns: tuple[str, ...]
    reason: str
    approved_by: str
    ticket: str
    expires: date
    when: str | None = None
    where: str | None = None
    keys: tuple[tuple[str, ...], ...] = ()
    expect: str | None = None
    origin: str = ""

    def expired(self, today: date) -> bool:
        """Valid through its ``expires`` date; from the next day it covers nothing."""
        return today > self.expires

    def allows(self, columns: Iterable[str]) -> bool:
        return ALL_COLUMNS in self.columns or set(columns) <= set(self.columns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "entity": self.entity,
            "columns": list(self.columns),
            "reason": self.reason,
            "approved_by": self.approved_by,
            "ticket": self.ticket,
            "expires": self.expires.isoformat(),
            "expect": self.expect,
        }


def parse_accepted(
    raw: list[dict[str, Any]], where: str, entities: Sequence[EntitySpec] = ()
) -> tuple[AcceptedDifference, ...]:
    """The [[accepted_differences]] tables; with ``entities``, names and key sizes are checked too."""
    places = [values.Where(where, f"accepted_differences[{i}]") for i in range(len(raw))]
    entries = tuple(_entry(data, place, entities) for data, place in zip(raw, places, strict=True))
    values.unique((e.id for e in entries), places, "id")
    return entries


def _entry(data: dict[str, Any], where: values.Where, entities: Sequence[EntitySpec]) -> AcceptedDifference:
    if not isinstance(data, dict):
        raise where.whole("must be a table")
    required = ("id", "entity", "columns", "reason", "approved_by", "ticket", "expires")
    values.check_keys(data, ACCEPTED_KEYS, where, required=required)
    given = [c for c in CONDITIONS if c in data]
    if len(given) != 1:
        raise where.whole(
            f"must have exactly one condition among when, where, keys (has: {', '.join(given) or 'none'})"
        )
    entity = values.text(data, "entity", where)
    spec = next((s for s in entities if s.name == entity), None)
    if entities and spec is None:
        known = ", ".join(s.name for s in entities)
        raise where.error("entity", f"names no [[entities]] entry: {entity!r} (known: {known})")
    return AcceptedDifference(
        id=values.text(data, "id", where),
        entity=entity,
        columns=values.names(data, "columns", where, required=True),
        reason=values.text(data, "reason", where),
        approved_by=values.text(data, "approved_by", where),
        ticket=values.text(data, "ticket", where),
        expires=_expires(data.get("expires"), where),
        when=_when(data, where),
        where=_predicate(data, "where", where),
        expect=_predicate(data, "expect", where),
        keys=_keys(data, where, spec),
        origin=str(where),
    )


def _expires(value: Any, where: values.Where) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise where.error("expires", f"must be a TOML date such as 2027-06-30 (no quotes), got {value!r}")
    return value


def _when(data: dict[str, Any], where: values.Where) -> str | None:
    if "when" not in data:
        return None
    if data["when"] not in WHEN:
        raise where.error("when", f"must be one of {', '.join(repr(w) for w in WHEN)}, got {data['when']!r}")
    return str(data["when"])


def _predicate(data: dict[str, Any], name: str, where: values.Where) -> str | None:
    if name not in data:
        return None
    text = values.text(data, name, where)
    try:
        predicate = parse_condition(text)
    except QueryProblem as exc:
        raise where.error(name, str(exc)) from exc
    for col in predicate.find_all(exp.Column):
        if col.table not in PAIR_SIDES:
            raise where.error(
                name, f"must qualify every column as control.<col> or candidate.<col>: {col.sql()}"
            )
    return render(predicate)


def _keys(data: dict[str, Any], where: values.Where, spec: EntitySpec | None) -> tuple[tuple[str, ...], ...]:
    if "keys" not in data:
        return ()
    raw = data["keys"]
    ok = isinstance(raw, list) and raw and all(isinstance(k, list) and k for k in raw)
    if not ok or not all(isinstance(v, str | int) and not isinstance(v, bool) for k in raw for v in k):
        raise where.error("keys", 'must be a non-empty list of keys, each a list of values: [["TX-1", 2]]')
    if spec is not None and any(len(k) != len(spec.key) for k in raw):
        raise where.error("keys", f"must give {len(spec.key)} values per key ({', '.join(spec.key)})")
    return tuple(tuple(str(v) for v in k) for k in raw)


def summarize_accepted(
    accepted: Sequence[AcceptedDifference], results: Sequence[dict[str, Any]], today: date | None = None
) -> list[dict[str, Any]]:
    """Each entry over a whole run: rows covered, rows in scope that did not meet its
    expectation (None when it states none) and status active | stale | expired."""
    today = today or date.today()
    covered = {e.id: 0 for e in accepted}
    unmet = {e.id: 0 for e in accepted}
    for result in results:
        for totals, key in ((covered, "accepted"), (unmet, "expectation_unmet")):
            for entry_id, rows in (result.get(key) or {}).items():
                if entry_id in totals:
                    totals[entry_id] += int(rows)
    summary = []
    for entry in accepted:
        status = "expired" if entry.expired(today) else "stale" if covered[entry.id] == 0 else "active"
        rows_unmet = unmet[entry.id] if entry.expect is not None else None
        summary.append(
            {**entry.to_dict(), "rows_covered": covered[entry.id], "rows_unmet": rows_unmet, "status": status}
        )
    return summary
