"""Helpers for tests that run the harness end to end on a small seeded source."""

from __future__ import annotations

import shutil
import tomllib
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from harness.config import Config, load_config
from harness.history import run_document
from harness.progress import Progress
from harness.run_plan import RunRequest
from harness.run_start import RunState
from harness.runner import Runner
from harness.synthetic.loader import seed
from tests.conftest import TestDatabase

FIXTURE_SIDES = Path(__file__).parent / "fixtures" / "sides"
DATES = (date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3))


def seed_small(db: TestDatabase, per_day: int = 30) -> None:
    """2024-03-01..03, ``per_day`` transactions a day, seed 7, in schema source."""
    with db.connect() as conn:
        seed(conn, "source", DATES[0], DATES[-1], per_day, 7)


def config_with(
    tmp_path: Path, control: str = "legacy", candidate: str = "enhanced", extra: str = "", replay: bool = True
) -> Config:
    """The bundled config with other sides (a bundled name or a fixture side's name)."""
    text = files("harness").joinpath("default.toml").read_text(encoding="utf-8")
    if not replay:
        text = "\n".join(line for line in text.splitlines() if not line.startswith("replay = "))
    text = text.replace('side = "bundled:legacy"', f'side = "{_side(control)}"', 1)
    text = text.replace('side = "bundled:enhanced"', f'side = "{_side(candidate)}"', 1)
    path = tmp_path / "harness.toml"
    path.write_text(text + extra, encoding="utf-8")
    _copy_queries(tmp_path)
    return load_config(path)


def _copy_queries(target: Path) -> None:
    """The bundled query files beside a copied config, as its query_file paths expect."""
    bundled = Path(str(files("harness"))) / "queries"
    if bundled.is_dir() and not (target / "queries").exists():
        shutil.copytree(bundled, target / "queries")


def _side(name: str) -> str:
    return f"bundled:{name}" if name in ("legacy", "enhanced") else str(FIXTURE_SIDES / name)


def run(
    db: TestDatabase,
    config: Config,
    tmp_path: Path,
    dates: tuple[date, ...] = DATES,
    progress: Progress | None = None,
    **options: Any,
) -> tuple[RunState, dict[str, Any]]:
    request = RunRequest(dates=dates, out_dir=tmp_path / "out", **options)
    state = Runner(db.as_database(), config, progress or Progress(quiet=True)).run(request)
    with db.connect() as conn:
        return state, run_document(conn, state.run_id)


def verdicts(doc: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(c["business_date"], c["entity"]): c["verdict"] for c in doc["comparisons"]}


def variant(tmp_path: Path, bundled: str, extra_phase: str | tuple[str, ...], name: str = "rewriting") -> str:
    """A bundled side plus one more phase (or several), as a manifest directory of its own."""
    root = Path(str(files(bundled)))
    manifest = tomllib.loads((root / "manifest.toml").read_text(encoding="utf-8"))
    folder = tmp_path / f"{bundled}_{name}"
    folder.mkdir()
    install = ", ".join(f'"{root / name}"' for name in manifest["install"])
    extra = (extra_phase,) if isinstance(extra_phase, str) else extra_phase
    names = ["rewrite the day before"] if len(extra) == 1 else [f"defect {i + 1}" for i in range(len(extra))]
    phases = [*manifest["phases"], *({"name": n, "sql": t} for n, t in zip(names, extra, strict=True))]
    lines = [f'name = "{bundled}_{name}"', f"install = [{install}]"]
    if "timing_query" in manifest:
        lines.append(f"timing_query = {_toml(manifest['timing_query'])}")
    for phase in phases:
        lines += ["[[phases]]", f'name = "{phase["name"]}"', f"sql = {_toml(phase['sql'])}"]
    lines.append("[export]")
    lines += [f"{key} = {_toml(value)}" for key, value in manifest["export"].items()]
    if "opening_prepare" in manifest:
        lines.append("[opening_prepare]")
        lines += [f"{key} = {_toml(value)}" for key, value in manifest["opening_prepare"].items()]
    (folder / "manifest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(folder)


def _toml(text: str) -> str:
    return '"""\n' + text.replace("\\", "\\\\") + '"""'
