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
A row is credited to the first entry (in config order) that covers it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg import sql
from sqlglot import exp

from comparisons import values
from comparisons.connection import Connection
from comparisons.errors import EntityQueryError
from comparisons.normalize import is_valid_json_text
from comparisons.plan import Plan
from comparisons.qualify import QueryProblem, parse_condition, render
from comparisons.spec import EntitySpec
from comparisons.work import Difference, EntityWork, TempTables

ACCEPTED_KEYS = (
    "id",
    "entity",
    "columns",
    "when",
    "where",
    "keys",
    "reason",
    "approved_by",
    "ticket",
    "expires",
)
CONDITIONS = ("when", "where", "keys")
WHEN = ("control_invalid_json", "candidate_invalid_json")
PAIR_SIDES = ("control", "candidate")
ALL_COLUMNS = "*"
ROW_ID = "_harness_row"


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
        where=_where(data, where),
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


def _where(data: dict[str, Any], where: values.Where) -> str | None:
    if "where" not in data:
        return None
    text = values.text(data, "where", where)
    try:
        predicate = parse_condition(text)
    except QueryProblem as exc:
        raise where.error("where", str(exc)) from exc
    for col in predicate.find_all(exp.Column):
        if col.table not in PAIR_SIDES:
            raise where.error(
                "where", f"must qualify every column as control.<col> or candidate.<col>: {col.sql()}"
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


def coverable_columns(plan: Plan, difference: Difference) -> tuple[str, ...]:
    if difference.kind in ("different", "invalid_json"):
        return difference.differing
    return tuple(c.name for c in plan.compared)


def apply_accepted(
    work: EntityWork, differences: Sequence[Difference], entries: Sequence[AcceptedDifference], today: date
) -> dict[int, str]:
    """Index of each covered difference -> the id of the entry that covers it."""
    conn, plan, temps = work.conn, work.plan, work.temps
    active = [e for e in entries if not e.expired(today)]
    covered: dict[int, str] = {}
    pairs_loaded = False
    for entry in active:
        candidates = [
            i
            for i, d in enumerate(differences)
            if i not in covered and entry.allows(coverable_columns(plan, d))
        ]
        if not candidates:
            continue
        if entry.where is not None and not pairs_loaded:
            _load_pairs(conn, plan, differences, temps)
            pairs_loaded = True
        for i in _holds(conn, entry, candidates, differences, temps):
            covered[i] = entry.id
    return covered


def _holds(
    conn: Connection,
    entry: AcceptedDifference,
    candidates: list[int],
    differences: Sequence[Difference],
    temps: TempTables,
) -> list[int]:
    if entry.keys:
        listed = set(entry.keys)
        return [i for i in candidates if differences[i].key in listed]
    if entry.when is not None:
        side = entry.when.removesuffix("_invalid_json")
        return [i for i in candidates if _invalid_on(differences[i], side)]
    matched = _where_rows(conn, entry, temps)
    return [i for i in candidates if i in matched]


def _invalid_on(difference: Difference, side: str) -> bool:
    row = difference.control if side == "control" else difference.candidate
    if row is None or not difference.differing:
        return False
    return all(not is_valid_json_text(row.get(name)) for name in difference.differing)


def _load_pairs(conn: Connection, plan: Plan, differences: Sequence[Difference], temps: TempTables) -> None:
    names = [c.name for c in plan.pulled]
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(n)) for n in names)
    for side in PAIR_SIDES:
        temps.create(side)
        target = sql.Identifier("pg_temp", temps.name(side))
        conn.execute(
            sql.SQL("CREATE TEMP TABLE {} ({} integer, {})").format(
                sql.Identifier(temps.name(side)), sql.Identifier(ROW_ID), columns
            )
        )
        copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
            target, sql.SQL(", ").join(sql.Identifier(n) for n in [ROW_ID, *names])
        )
        with conn.cursor() as cur, cur.copy(copy) as loader:
            for i, difference in enumerate(differences):
                row = getattr(difference, side) or {}
                loader.write_row([i, *(row.get(n) for n in names)])


def _where_rows(conn: Connection, entry: AcceptedDifference, temps: TempTables) -> set[int]:
    assert entry.where is not None
    query = sql.SQL(
        "SELECT control.{row} FROM {c} AS control JOIN {d} AS candidate USING ({row}) WHERE {p}"
    ).format(
        row=sql.Identifier(ROW_ID),
        c=sql.Identifier("pg_temp", temps.name("control")),
        d=sql.Identifier("pg_temp", temps.name("candidate")),
        p=sql.SQL(entry.where),  # re-rendered by sqlglot at parse time
    )
    try:
        return {int(r[0]) for r in conn.execute(query).fetchall()}
    except psycopg.Error as exc:
        raise EntityQueryError(
            f"{entry.origin}: accepted difference {entry.id!r}: where failed: {exc}"
        ) from exc


def summarize_accepted(
    accepted: Sequence[AcceptedDifference], results: Sequence[dict[str, Any]], today: date | None = None
) -> list[dict[str, Any]]:
    """Each entry over a whole run: rows covered and status active | stale | expired."""
    today = today or date.today()
    covered = {e.id: 0 for e in accepted}
    for result in results:
        for entry_id, rows in (result.get("accepted") or {}).items():
            if entry_id in covered:
                covered[entry_id] += int(rows)
    summary = []
    for entry in accepted:
        status = "expired" if entry.expired(today) else "stale" if covered[entry.id] == 0 else "active"
        summary.append({**entry.to_dict(), "rows_covered": covered[entry.id], "status": status})
    return summary
