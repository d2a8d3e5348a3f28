"""Load synthetic data into the source schema with COPY, one date at a time.

Seeding is idempotent per date: a date already seeded with the same --seed and
--per-day is skipped; a date holding other transactions is an error (nothing is
written). The seed log (table ``seeded_date`` in the source schema) records what was
seeded, with each date's fingerprint, so a rerun can tell the two apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import sql

from harness.calendar import date_range
from harness.database import Connection
from harness.errors import InvalidInput, SourceError
from harness.fingerprint import Fingerprint, fingerprint
from harness.source import ensure_source, set_search_path, sql_file
from harness.synthetic import reference
from harness.synthetic.model import RUNOFF_LEDGER
from harness.synthetic.transactions import MAX_PER_DAY, transactions

Progress = Callable[[str], None]

TXN_COLUMNS = (
    "txn_id",
    "txn_reference",
    "business_date",
    "policy_id",
    "txn_type",
    "currency",
    "gross_amount",
    "commission_rate",
    "description",
    "status",
    "processed_at",
)
POLICY_COLUMNS = (
    "policy_id",
    "policy_number",
    "ledger_code",
    "product_code",
    "line_of_business",
    "broker_id",
    "policyholder_name",
    "currency",
    "reinsurance_share",
    "tax_code",
)


@dataclass(frozen=True)
class SeedResult:
    """What a seed call did: dates loaded, dates already there, rows and fingerprints."""

    loaded: tuple[date, ...]
    skipped: tuple[date, ...]
    rows: int
    fingerprints: dict[date, Fingerprint]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "loaded": [d.isoformat() for d in self.loaded],
            "skipped": [d.isoformat() for d in self.skipped],
            "rows": self.rows,
            "fingerprints": {d.isoformat(): f.to_dict() for d, f in self.fingerprints.items()},
            "seconds": self.seconds,
        }


def seed(
    conn: Connection,
    schema: str,
    first: date,
    last: date,
    per_day: int,
    seed_value: int,
    progress: Progress | None = None,
) -> SeedResult:
    """Seed [first, last] into ``schema`` (created if missing) in one transaction."""
    dates = date_range(first, last)
    if not 1 <= per_day <= MAX_PER_DAY:
        raise InvalidInput(f"--per-day must be between 1 and {MAX_PER_DAY}, got {per_day}")
    started = time.perf_counter()
    ensure_source(conn, schema)
    with conn.transaction():
        set_search_path(conn, schema)
        conn.execute(sql_file("seed_log.sql").encode())
        todo, skipped = _plan(conn, schema, dates, seed_value, per_day)
        policies = _ensure_reference(conn, schema, seed_value, first, last)
        prints = _logged_fingerprints(conn, schema, skipped)
        for day in sorted({*todo, *skipped}):  # one line per date, in date order
            if day in skipped:
                line = f"{day}: already seeded ({prints[day]}), skipped"
            else:
                prints[day] = _load_date(conn, schema, seed_value, day, per_day, policies)
                line = f"{day}: {prints[day]}"
            if progress:
                progress(line)
    if todo:
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema, "insurance_transaction")))
    rows = per_day * len(todo)
    return SeedResult(tuple(todo), tuple(skipped), rows, prints, time.perf_counter() - started)


def _plan(
    conn: Connection, schema: str, dates: list[date], seed_value: int, per_day: int
) -> tuple[list[date], list[date]]:
    _check_seed_matches(conn, schema, seed_value)
    logged = {
        r[0]: (int(r[1]), int(r[2]))
        for r in conn.execute(
            sql.SQL("SELECT business_date, seed, per_day FROM {} WHERE business_date = ANY(%s)").format(
                sql.Identifier(schema, "seeded_date")
            ),
            (dates,),
        )
    }
    for day, (old_seed, old_per_day) in sorted(logged.items()):
        if (old_seed, old_per_day) != (seed_value, per_day):
            raise SourceError(
                f"{day} was already seeded with --seed {old_seed} --per-day {old_per_day}; "
                "reuse those values, choose other dates, or seed into a fresh --source-schema"
            )
    foreign = _unlogged_dates(conn, schema, [d for d in dates if d not in logged])
    if foreign:
        raise SourceError(
            f"{foreign[0]} already holds transactions that harness seed did not write; "
            "choose other dates or seed into a fresh --source-schema"
        )
    return [d for d in dates if d not in logged], [d for d in dates if d in logged]


def _check_seed_matches(conn: Connection, schema: str, seed_value: int) -> None:
    row = conn.execute(
        sql.SQL("SELECT min(seed), (SELECT count(*) FROM {}) FROM {}").format(
            sql.Identifier(schema, "policy"), sql.Identifier(schema, "seeded_date")
        )
    ).fetchone()
    assert row is not None
    old_seed, policies = row
    if old_seed is not None and int(old_seed) != seed_value:
        raise SourceError(
            f"schema {schema!r} holds policies generated with --seed {old_seed}; "
            f"use --seed {old_seed} or seed into a fresh --source-schema"
        )
    if old_seed is None and int(policies) > 0:
        raise SourceError(
            f"schema {schema!r} already holds policies that harness seed did not write; "
            "seed into a fresh --source-schema"
        )


def _unlogged_dates(conn: Connection, schema: str, dates: list[date]) -> list[date]:
    query = sql.SQL("SELECT DISTINCT business_date FROM {} WHERE business_date = ANY(%s) ORDER BY 1").format(
        sql.Identifier(schema, "insurance_transaction")
    )
    return [r[0] for r in conn.execute(query, (dates,))]


def _ensure_reference(
    conn: Connection, schema: str, seed_value: int, first: date, last: date
) -> list[reference.Row]:
    policies = reference.policies(seed_value)
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, "policy"))).fetchone()
    if row is not None and int(row[0]) == 0:
        _insert(conn, schema, "ledger", [RUNOFF_LEDGER])
        _copy(
            conn,
            schema,
            "broker",
            ("broker_id", "broker_code", "name", "commission_rate"),
            reference.brokers(seed_value),
        )
        _copy(conn, schema, "policy", POLICY_COLUMNS, policies)
    _insert(conn, schema, "tax_rate", reference.tax_rates())
    _insert(conn, schema, "accounting_period", reference.accounting_periods(first, last))
    _insert(conn, schema, "fx_rate", reference.fx_rates(seed_value, first, last))
    return policies


def _insert(conn: Connection, schema: str, table: str, rows: Iterable[tuple[object, ...]]) -> None:
    """Insert rows that may already be there (reference data shared by overlapping seeds)."""
    rows = list(rows)
    if not rows:
        return
    placeholders = sql.SQL(", ").join(sql.Placeholder() * len(rows[0]))
    query = sql.SQL("INSERT INTO {} VALUES ({}) ON CONFLICT DO NOTHING").format(
        sql.Identifier(schema, table), placeholders
    )
    with conn.cursor() as cur:
        cur.executemany(query, rows)


def _copy(
    conn: Connection,
    schema: str,
    table: str,
    columns: tuple[str, ...],
    rows: Iterable[tuple[object, ...]],
) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(schema, table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _load_date(
    conn: Connection,
    schema: str,
    seed_value: int,
    day: date,
    per_day: int,
    policies: list[reference.Row],
) -> Fingerprint:
    _copy(
        conn,
        schema,
        "insurance_transaction",
        TXN_COLUMNS,
        transactions(seed_value, day, per_day, policies),
    )
    printed = fingerprint(conn, schema, "insurance_transaction", sql.SQL("business_date = %(d)s"), {"d": day})
    conn.execute(
        sql.SQL(
            "INSERT INTO {} (business_date, seed, per_day, rows, fingerprint) VALUES (%s, %s, %s, %s, %s)"
        ).format(sql.Identifier(schema, "seeded_date")),
        (day, seed_value, per_day, printed.rows, printed.digest),
    )
    return printed


def _logged_fingerprints(conn: Connection, schema: str, dates: list[date]) -> dict[date, Fingerprint]:
    query = sql.SQL("SELECT business_date, rows, fingerprint FROM {} WHERE business_date = ANY(%s)").format(
        sql.Identifier(schema, "seeded_date")
    )
    return {r[0]: Fingerprint(int(r[1]), str(r[2])) for r in conn.execute(query, (dates,))}
