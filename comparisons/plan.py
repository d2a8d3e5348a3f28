"""The column plan of one comparison: which columns, in which role, compared by which rule.

Built from the spec and the columns each side's query actually returns (names and type
OIDs from a ``LIMIT 0`` run). The same plan drives the hash in PostgreSQL (stage 1) and
the normalization in pandas (stage 2), so that rows equal in the hash are equal in pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import psycopg
from psycopg import sql

from comparisons.errors import EntityQueryError, first_line
from comparisons.spec import EntitySpec, Normalizer

# Types hashed and grouped natively when both sides return the same one: their hash and
# equality agree with equality of their text form (bpchar drops trailing blanks in both).
# Anything else (json, float, arrays, ...) is compared through its text form.
NATIVE_TYPES = frozenset({16, 20, 21, 23, 25, 1042, 1043, 1082, 1114, 1184, 1700, 2950})
NUMBER_TYPES = frozenset({20, 21, 23, 1700})
NUMERIC = 1700


class Rule(StrEnum):
    PLAIN = "plain"  # the value as PostgreSQL prints it
    NUMBER = "number"  # a decimal number, optionally within a tolerance
    JSON = Normalizer.JSON.value
    TRIM = Normalizer.TRIM.value
    CASEFOLD = Normalizer.CASEFOLD.value


class Role(StrEnum):
    KEY = "key"
    COMPARED = "compared"
    CONTEXT = "context"


@dataclass(frozen=True)
class Column:
    name: str
    role: Role
    rule: Rule
    native: bool  # hash/group the value itself rather than its text
    present: tuple[bool, bool]  # returned by the control's, the candidate's query
    tolerance: Decimal = Decimal(0)
    type_oid: int = 0  # both sides' type when they agree (0 otherwise): picks a key's hash
    # a number neither side can hold as +-Infinity: an integer type, or numeric with a declared
    # precision (numeric(18,2) refuses Infinity, though not NaN), on both sides
    bounded: bool = False


@dataclass(frozen=True)
class Plan:
    columns: tuple[Column, ...]

    def role(self, role: Role) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.role is role)

    @property
    def key(self) -> tuple[Column, ...]:
        return self.role(Role.KEY)

    @property
    def compared(self) -> tuple[Column, ...]:
        return self.role(Role.COMPARED)

    @property
    def context(self) -> tuple[Column, ...]:
        return self.role(Role.CONTEXT)

    @property
    def pulled(self) -> tuple[Column, ...]:
        """The columns stage 2 reads: key, compared, context."""
        return (*self.key, *self.compared, *self.context)


Described = list[tuple[str, int]]


def describe(conn: psycopg.Connection[tuple[Any, ...]], query: str, label: str, entity: str) -> Described:
    """Names and type OIDs of the columns ``query`` returns (runs it with LIMIT 0)."""
    return [(d.name, d.type_code) for d in query_columns(conn, query, label, entity)]


def query_columns(
    conn: psycopg.Connection[tuple[Any, ...]], query: str, label: str, entity: str
) -> list[psycopg.Column]:
    """The columns ``query`` returns, as the driver describes them (runs it with LIMIT 0)."""
    statement = sql.SQL("SELECT * FROM ({}) AS s LIMIT 0").format(sql.SQL(query))
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
            description = cur.description or []
    except psycopg.Error as exc:
        raise EntityQueryError(f"{entity}: the {label} query failed: {first_line(exc)}") from exc
    names = [d.name for d in description]
    if duplicated := sorted({n for n in names if names.count(n) > 1}):
        raise EntityQueryError(
            f"{entity}: the query returns column {duplicated[0]!r} more than once; alias it"
        )
    return list(description)


def build_plan(
    spec: EntitySpec, control: Described, candidate: Described, declared: frozenset[str] = frozenset()
) -> Plan:
    """``declared``: the numeric columns both sides declare with a precision."""
    types = (dict(control), dict(candidate))
    names = [n for n, _ in control] + [n for n, _ in candidate if n not in types[0]]
    _check_spec_columns(spec, names, types)
    columns = tuple(_column(spec, name, types, declared) for name in names if name not in spec.ignore)
    key_order = {k: i for i, k in enumerate(spec.key)}
    keys = sorted((c for c in columns if c.role is Role.KEY), key=lambda c: key_order[c.name])
    return Plan((*keys, *(c for c in columns if c.role is not Role.KEY)))


def _column(
    spec: EntitySpec, name: str, types: tuple[dict[str, int], dict[str, int]], declared: frozenset[str]
) -> Column:
    oids = (types[0].get(name), types[1].get(name))
    present = (oids[0] is not None, oids[1] is not None)
    same_type = oids[0] == oids[1]
    if name in spec.key:
        native = same_type and oids[0] in NATIVE_TYPES
        return Column(name, Role.KEY, Rule.PLAIN, native, present, type_oid=(oids[0] or 0) if native else 0)
    role = Role.CONTEXT if name in spec.context else Role.COMPARED
    if name in spec.normalizers:
        return Column(name, role, Rule(spec.normalizers[name].value), False, present)
    if spec.is_number(name) or (oids[0] == oids[1] == NUMERIC):
        native = same_type and oids[0] in NUMBER_TYPES
        bounded = native and (oids[0] != NUMERIC or name in declared)
        return Column(name, role, Rule.NUMBER, native, present, spec.tolerance(name), bounded=bounded)
    return Column(name, role, Rule.PLAIN, same_type and oids[0] in NATIVE_TYPES, present)


def _check_spec_columns(spec: EntitySpec, names: list[str], types: tuple[dict[str, int], ...]) -> None:
    returned = ", ".join(names)
    for label, side_types in zip(("control", "candidate"), types, strict=True):
        for key in spec.key:
            if key not in side_types:
                raise EntityQueryError(
                    f"{spec.origin} ({spec.name}): key column {key!r} is not returned by the {label} "
                    f"query (it returns: {', '.join(side_types)}); names are case-sensitive"
                )
    mentioned = [*spec.ignore, *spec.context, *spec.numeric, *spec.tolerances, *spec.normalizers]
    mentioned += [spec.partition_column] if spec.partition_column else []
    for column in mentioned:
        if column not in names:
            raise EntityQueryError(
                f"{spec.origin} ({spec.name}): column {column!r} is not returned by the query "
                f"(it returns: {returned}); names are case-sensitive"
            )
