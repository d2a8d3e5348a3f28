"""Checks for values read from the config's TOML tables; each failure names file and key."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from comparisons.errors import SpecError
from comparisons.qualify import QueryProblem, parse_query


class Where:
    """The place of one config table, e.g. ``harness.toml: entities[2]``, for messages."""

    def __init__(self, path: str, table: str) -> None:
        self.path = path
        self.table = table

    def error(self, key: str, problem: str) -> SpecError:
        return SpecError(f"{self.path}: {self.table}.{key} {problem}")

    def whole(self, problem: str) -> SpecError:
        return SpecError(f"{self.path}: {self.table} {problem}")

    def __str__(self) -> str:
        return f"{self.path}: {self.table}"


def check_keys(data: dict[str, Any], known: Iterable[str], where: Where, required: Iterable[str]) -> None:
    allowed = set(known)
    for key in data:
        if key not in allowed:
            hint = ", ".join(sorted(allowed))
            raise where.error(str(key), f"is not a known key (known here: {hint})")
    for key in required:
        if key not in data:
            raise where.error(key, "is required")


def text(data: dict[str, Any], key: str, where: Where) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise where.error(key, f"must be a non-empty string, got {value!r}")
    return value


def query(data: dict[str, Any], where: Where, base: Traversable | None) -> tuple[str, str]:
    """(text, file) of an entity's or invariant's query, checked to parse: inline ``query``,
    or the file ``query_file`` names relative to ``base`` (the config's directory; "" inline)."""
    if "query" in data and "query_file" in data:
        raise where.error("query_file", "cannot be given with query; give one of them")
    if "query_file" in data:
        name = text(data, "query_file", where)
        return _parsed(_query_file(name, where, base), where, "query_file", f"{name!r} "), name
    if "query" not in data:
        raise where.error("query", "is required (or query_file, a .sql file relative to the config)")
    return _parsed(text(data, "query", where), where, "query", ""), ""


def _parsed(content: str, where: Where, key: str, label: str) -> str:
    try:
        parse_query(content)
    except QueryProblem as exc:
        raise where.error(key, f"{label}{exc}") from exc
    return content


def _query_file(name: str, where: Where, base: Traversable | None) -> str:
    if base is None:
        raise where.error("query_file", f"{name!r} has no config file to be relative to; use query")
    path = base.joinpath(name)
    if not path.is_file():
        # A copy of the bundled config keeps working: its query files ship with the package.
        bundled = files("harness").joinpath(name)
        path = bundled if bundled.is_file() else path
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise where.error("query_file", f"cannot read {path}: {reason}") from exc
    if not content.strip():
        raise where.error("query_file", f"{path} is empty")
    return content


def names(data: dict[str, Any], key: str, where: Where, *, required: bool = False) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise where.error(key, f"must be a list of column names, got {value!r}")
    if required and not value:
        raise where.error(key, "must name at least one column")
    if len(set(value)) != len(value):
        raise where.error(key, "names a column more than once")
    return tuple(value)


def mapping(data: dict[str, Any], key: str, where: Where) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise where.error(key, f"must be a table {{column = value}}, got {value!r}")
    return value


def unique(items: Iterable[str], where_of: Iterable[Where], what: str) -> None:
    seen: set[str] = set()
    for item, where in zip(items, where_of, strict=True):
        if item in seen:
            raise where.error(what, f"'{item}' is used twice; {what}s must be unique")
        seen.add(item)
