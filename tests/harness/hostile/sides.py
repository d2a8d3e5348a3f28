"""Build hostile candidate sides: the bundled enhanced side plus one attack.

A hostile side is a directory holding a manifest.toml whose install list is enhanced's own
files (absolute paths, read from enhanced/manifest.toml at test time) followed by the
attack's ``hostile.sql``; its phases are enhanced's, then a phase that corrupts its own
books (txn_amount + 1 on every first GL line of the date), then the attack's phases.
So a run that ends READY means the attack steered the verdict; a correct harness reports
it NOT READY whatever the attack does.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

ENHANCED = Path(str(files("enhanced")))
CANARY = "source.hostile_canary"

# The candidate's own books, wrong: every first GL line of the date one unit higher.
CORRUPT = (
    "corrupt books",
    "UPDATE gl_entries SET txn_amount = txn_amount + 1 "
    "WHERE business_date = %(business_date)s AND line_no = 1",
)
# Most attacks are a plpgsql function installed by hostile.sql, called in one phase.
CALL_ATTACK = ("attack", "SELECT hostile_attack(%(business_date)s)")

# Installed by every hostile side before its attack; nothing here runs at install time.
# hostile_steer is what an escaped side does with its privileges: the same corruption in
# the control's books (so the comparison would MATCH) and a row in the source's canary.
HELPERS = r"""
CREATE FUNCTION hostile_control_schema() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    other text := regexp_replace(current_schema(), '_candidate$', '_control');
BEGIN
    IF other IS NULL OR NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = other) THEN
        SELECT nspname INTO other FROM pg_namespace
        WHERE nspname LIKE 'run\_%\_control' ORDER BY oid DESC LIMIT 1;
    END IF;
    IF other IS NULL THEN
        RAISE EXCEPTION 'hostile: found no control schema';
    END IF;
    RETURN other;
END
$$;

CREATE FUNCTION hostile_steer(d date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE %I.gl_entries SET txn_amount = txn_amount + 1 '
                   'WHERE business_date = %L AND line_no = 1', hostile_control_schema(), d);
    INSERT INTO source.hostile_canary (tag, note) VALUES ('{tag}', 'phase ran as ' || current_user);
END
$$;

-- An escape at install time: make the side's own role superuser, so that its phases
-- (hostile_steer) can rewrite the control's books later.
CREATE FUNCTION hostile_install_payload(side_role text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO source.hostile_canary (tag, note) VALUES ('{tag}', 'install ran as ' || current_user);
    EXECUTE format('ALTER ROLE %I SUPERUSER', side_role);
END
$$;
"""


@dataclass(frozen=True)
class Attack:
    """What a hostile side adds to enhanced.

    install: SQL run as the last install file (``{tag}`` and ``{harness_user}`` are filled
    in); phases: (name, sql) run after enhanced's phases and the corruption; export:
    replaces enhanced's [export]; corrupt: whether the side corrupts its own books.
    """

    install: str = ""
    phases: tuple[tuple[str, str], ...] = ()
    export: dict[str, str] | None = None
    corrupt: bool = True


def enhanced_manifest() -> dict[str, Any]:
    with (ENHANCED / "manifest.toml").open("rb") as handle:
        return tomllib.load(handle)


def build_side(directory: Path, attack: Attack, *, tag: str, harness_user: str) -> Path:
    """Write the hostile side into ``directory`` and return it.

    Every key of enhanced's manifest is kept (keys this suite does not know included);
    name, description, install, phases and (when the attack has one) export are replaced.
    """
    manifest = enhanced_manifest()
    directory.mkdir(parents=True)
    fill = {"{tag}": tag, "{harness_user}": harness_user}
    (directory / "hostile.sql").write_text(_fill(HELPERS + attack.install, fill), encoding="utf-8")
    phases = [(str(p["name"]), str(p["sql"])) for p in manifest["phases"]]
    extra = [(name, _fill(text, fill)) for name, text in attack.phases]
    phases += [CORRUPT, *extra] if attack.corrupt else extra
    manifest["name"] = "hostile"
    manifest["description"] = "enhanced plus an attack on the harness (tests/harness/hostile)"
    manifest["install"] = [str(ENHANCED / name) for name in manifest["install"]] + ["hostile.sql"]
    manifest["phases"] = [{"name": name, "sql": text} for name, text in phases]
    if attack.export is not None:
        manifest["export"] = dict(attack.export)
    (directory / "manifest.toml").write_text(dump_toml(manifest), encoding="utf-8")
    return directory


def write_config(path: Path, candidate: Path) -> Path:
    """The bundled configuration with ``candidate`` as the candidate side.

    Directories of the harness package the bundled file names (query files) are copied
    beside ``path``, since its relative paths are relative to the file.
    """
    package = Path(str(files("harness")))
    text = (package / "default.toml").read_text(encoding="utf-8")
    marker = 'side = "bundled:enhanced"'
    assert text.count(marker) == 1, "harness/default.toml no longer names the candidate as expected"
    for child in package.iterdir():
        if child.is_dir() and f'"{child.name}/' in text:
            shutil.copytree(child, path.parent / child.name, dirs_exist_ok=True)
    path.write_text(text.replace(marker, f"side = {_q(str(candidate))}"), encoding="utf-8")
    return path


def dump_toml(data: dict[str, Any]) -> str:
    """TOML for a manifest: scalars and arrays of scalars, tables, arrays of tables."""
    head: list[str] = []
    tail: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tail += ["", f"[{key}]", *(f"{k} = {_value(v)}" for k, v in value.items())]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                tail += ["", f"[[{key}]]", *(f"{k} = {_value(v)}" for k, v in item.items())]
        else:
            head.append(f"{key} = {_value(value)}")
    return "\n".join([*head, *tail]) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, str):
        return _q(value)
    raise TypeError(f"cannot write {value!r} into a manifest")


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are a subset of TOML's)."""
    return json.dumps(text, ensure_ascii=False)
