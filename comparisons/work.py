"""What the stages of one entity's comparison share: its context, temp tables and findings.

Stage 1 (pushdown), stage 2 (detail) and the accepted differences are siblings that all
read one ``EntityWork``: the connection, the spec, the plan, the date and each side's
query, bound to the date and qualified to its schema once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from psycopg import sql
from sqlglot import exp

from comparisons.connection import Connection
from comparisons.plan import Plan
from comparisons.qualify import side_query, table
from comparisons.spec import EntitySpec

Key = tuple[str | None, ...]
Values = dict[str, str | None]


@dataclass
class TempTables:
    """Names of this comparison's temp tables; ``drop`` removes whatever was created."""

    token: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    created: list[str] = field(default_factory=list)

    def name(self, suffix: str) -> str:
        return f"harness_cmp_{self.token}_{suffix}"

    def create(self, suffix: str) -> exp.Table:
        name = self.name(suffix)
        self.created.append(name)
        return table(name, "pg_temp")

    def identifier(self, suffix: str) -> sql.Identifier:
        return sql.Identifier("pg_temp", self.name(suffix))

    def drop(self, conn: Connection) -> None:
        for name in reversed(self.created):
            conn.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(name)))
        self.created.clear()


def key_alias(i: int) -> str:
    return f"_k{i}"


@dataclass(frozen=True)
class Difference:
    """One examined key that differs: its kind, the columns that differ and both rows."""

    key: Key
    kind: str  # different | invalid_json | control_only | candidate_only | duplicate_key
    differing: tuple[str, ...]
    control: Values | None  # text of every pulled column (first row for a duplicate key)
    candidate: Values | None
    context: Values
    rows_per_side: tuple[int, int] | None = None  # of a duplicate key: rows on control, candidate


@dataclass(frozen=True)
class EntityWork:
    """One entity's comparison on one date, as every stage reads it."""

    conn: Connection
    spec: EntitySpec
    plan: Plan
    business_date: date
    queries: tuple[exp.Query, exp.Query]  # control's, candidate's: date bound, schema qualified
    temps: TempTables = field(default_factory=TempTables)
    spark: Any = None  # engine spark: the SparkSession stage 2's datacompy compares on

    @classmethod
    def of(
        cls, conn: Connection, spec: EntitySpec, plan: Plan, schemas: tuple[str, str], business_date: date
    ) -> EntityWork:
        return cls(conn, spec, plan, business_date, side_queries(spec, schemas, business_date))


def side_queries(
    spec: EntitySpec, schemas: tuple[str, str], business_date: date
) -> tuple[exp.Query, exp.Query]:
    """Each side's query, bound to the date and qualified to its schema."""
    return (
        side_query(spec.parsed, schemas[0], business_date),
        side_query(spec.parsed, schemas[1], business_date),
    )
