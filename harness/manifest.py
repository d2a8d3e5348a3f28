"""A side's manifest: which SQL files to install, which statement runs each phase.

The format (docs/sides.md) is plain TOML so that legacy/, enhanced/ and a user's own
implementations carry no harness code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from harness.errors import SideError

MANIFEST = "manifest.toml"
BUNDLED_SIDES = ("legacy", "enhanced")
BUNDLED_PREFIX = "bundled:"
KNOWN_KEYS = {
    "name",
    "description",
    "install",
    "phases",
    "timing_query",
    "export",
    "materialized_views",
    "opening_prepare",
}
EXPORT_KEYS = {"ledgers", "lines", "copy"}


@dataclass(frozen=True)
class Phase:
    name: str
    sql: str


@dataclass(frozen=True)
class ExportSpec:
    ledgers: str
    lines: str | None = None
    copy: str | None = None


@dataclass(frozen=True)
class Side:
    """One implementation under test, as its manifest describes it."""

    name: str
    description: str
    root: Path
    install: tuple[str, ...]
    phases: tuple[Phase, ...]
    timing_query: str | None
    export: ExportSpec | None
    # Materialized views the comparison may read (any other non-table relation is refused).
    materialized_views: tuple[str, ...] = ()
    # table -> a statement run on the side's session before opening rows of that table
    # (staged in harness_opening) are loaded, e.g. to create the partitions they need
    opening_prepare: dict[str, str] = field(default_factory=dict)

    def install_sql(self) -> list[tuple[str, str]]:
        """(file name, text) of each install file, in order."""
        return [(name, read_text(self.root / name)) for name in self.install]


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SideError(f"cannot read {path}: {exc.strerror}") from exc


def resolve_side(reference: str, base: Path | None, where: str) -> Side:
    """The side a config names: ``bundled:<name>`` for the harness's own, anything else a
    directory relative to the config at ``base`` (the bundled config, ``base`` None, may
    also say plain ``legacy`` / ``enhanced``)."""
    if reference.startswith(BUNDLED_PREFIX):
        name = reference.removeprefix(BUNDLED_PREFIX)
        if name not in BUNDLED_SIDES:
            known = ", ".join(BUNDLED_PREFIX + s for s in BUNDLED_SIDES)
            raise SideError(f"{where}: no bundled side {name!r}; the bundled sides are {known}")
        return load_side(name)
    if base is None:
        return load_side(reference)
    path = (base / reference).resolve()
    if reference in BUNDLED_SIDES:
        if (path / MANIFEST).is_file():
            raise SideError(
                f"{where}: {reference!r} could mean the bundled side ({BUNDLED_PREFIX}{reference}) or the "
                f"directory {path}; write {BUNDLED_PREFIX}{reference} or ./{reference}"
            )
        raise SideError(
            f"{where}: {reference!r} is not a directory beside the config ({path}); "
            f"for the harness's own side write {BUNDLED_PREFIX}{reference}"
        )
    if not (path / MANIFEST).is_file() and not path.is_file():
        raise SideError(f"{where}: {reference!r} is not a side: {path} holds no {MANIFEST}")
    return load_side(str(path))


def load_side(name_or_path: str) -> Side:
    """A bundled side by name (legacy, enhanced) or a manifest file / directory by path."""
    if name_or_path in BUNDLED_SIDES:
        root = Path(str(files(name_or_path)))
    else:
        root = Path(name_or_path)
        if root.is_file():
            root = root.parent
        if not (root / MANIFEST).is_file():
            known = ", ".join(BUNDLED_SIDES)
            raise SideError(
                f"unknown side {name_or_path!r}: use one of {known} or a directory holding {MANIFEST}"
            )
    path = root / MANIFEST
    try:
        data = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise SideError(f"{path}: invalid TOML: {exc}") from exc
    return parse_manifest(data, root, path)


def parse_manifest(data: dict[str, Any], root: Path, path: Path) -> Side:
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise SideError(f"{path}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(KNOWN_KEYS))}")
    phases = tuple(_phase(p, path) for p in _list(data, "phases", path))
    if not phases:
        raise SideError(f"{path}: 'phases' must list at least one phase")
    install = tuple(str(f) for f in _list(data, "install", path))
    for name in install:
        if not (root / name).is_file():
            raise SideError(f"{path}: install file {name!r} does not exist")
    return Side(
        name=str(data.get("name", root.name)),
        description=str(data.get("description", "")),
        root=root,
        install=install,
        phases=phases,
        timing_query=data.get("timing_query"),
        export=_export(data.get("export"), path),
        materialized_views=tuple(str(v) for v in _list(data, "materialized_views", path)),
        opening_prepare=_opening_prepare(data.get("opening_prepare", {}), path),
    )


def _opening_prepare(item: Any, path: Path) -> dict[str, str]:
    if not isinstance(item, dict) or not all(isinstance(v, str) for v in item.values()):
        raise SideError(f"{path}: [opening_prepare] maps a table name to one SQL statement")
    return {str(k): v for k, v in item.items()}


def _list(data: dict[str, Any], key: str, path: Path) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise SideError(f"{path}: {key!r} must be a list")
    return value


def _phase(item: Any, path: Path) -> Phase:
    if not isinstance(item, dict) or set(item) != {"name", "sql"}:
        raise SideError(f"{path}: each [[phases]] entry needs exactly 'name' and 'sql'")
    return Phase(name=str(item["name"]), sql=str(item["sql"]))


def _export(item: Any, path: Path) -> ExportSpec | None:
    if item is None:
        return None
    if not isinstance(item, dict) or set(item) - EXPORT_KEYS or "ledgers" not in item:
        raise SideError(f"{path}: [export] takes 'ledgers' and one of 'lines' or 'copy'")
    if ("lines" in item) == ("copy" in item):
        raise SideError(f"{path}: [export] needs exactly one of 'lines' or 'copy'")
    return ExportSpec(ledgers=item["ledgers"], lines=item.get("lines"), copy=item.get("copy"))
