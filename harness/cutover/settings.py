"""The ``[cutover]`` section: which side is primary, where the books are, what a mismatch does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.errors import ConfigError

KEYS = {"primary", "books_schema", "on_mismatch", "books", "keys"}
PRIMARIES = ("candidate", "control")
ON_MISMATCH = ("alert", "fallback")
# The bundled pair's published tables (domain.md): carried into both sides, published from one.
DEFAULT_BOOKS = ("sun_journal", "gl_entries", "voucher", "voucher_line", "journal_error")
DEFAULT_KEYS = {"gl_entries": ("gl_entry_id",)}  # enhanced's GL lines have no primary key


@dataclass(frozen=True)
class CutoverSettings:
    primary: str = "candidate"  # its books are published; the other side is its shadow
    books_schema: str = ""  # "": the primary side's name, the schema `harness process` uses
    on_mismatch: str = "alert"  # alert: keep the primary's books; fallback: publish the shadow's
    books: tuple[str, ...] = DEFAULT_BOOKS
    # table -> the columns a published row is matched on, for a table without a primary key
    keys: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_KEYS))

    @property
    def shadow(self) -> str:
        return "control" if self.primary == "candidate" else "candidate"


def parse_cutover(section: dict[str, Any], where: str) -> CutoverSettings:
    for key in section:
        if key not in KEYS:
            raise ConfigError(f"{where}: unknown key 'cutover.{key}' (known here: {', '.join(sorted(KEYS))})")
    primary = _choice(section, "primary", PRIMARIES, where)
    on_mismatch = _choice(section, "on_mismatch", ON_MISMATCH, where)
    schema = section.get("books_schema", "")
    if not isinstance(schema, str):
        raise ConfigError(f"{where}: 'cutover.books_schema' must be a schema name, got {schema!r}")
    books = section.get("books", list(DEFAULT_BOOKS))
    if not isinstance(books, list) or not books or not all(isinstance(t, str) and t for t in books):
        raise ConfigError(
            f"{where}: 'cutover.books' must list the published tables, e.g. {list(DEFAULT_BOOKS)}"
        )
    keys = section.get("keys", {k: list(v) for k, v in DEFAULT_KEYS.items()})
    if not isinstance(keys, dict) or not all(
        isinstance(v, list) and v and all(isinstance(c, str) for c in v) for v in keys.values()
    ):
        raise ConfigError(
            f"{where}: 'cutover.keys' must map a table to its key columns, "
            "e.g. {gl_entries = ['gl_entry_id']}"
        )
    return CutoverSettings(primary, schema, on_mismatch, tuple(books), {t: tuple(c) for t, c in keys.items()})


def _choice(section: dict[str, Any], key: str, choices: tuple[str, ...], where: str) -> str:
    value = section.get(key, choices[0])
    if value not in choices:
        raise ConfigError(
            f"{where}: 'cutover.{key}' must be {' or '.join(map(repr, choices))}, got {value!r}"
        )
    return str(value)
