"""``harness calibrate``: one implementation against a second copy of itself (Diffy's idea).

Calibrating a side is a normal isolated run (harness.runner) of a config whose control and
candidate are both that side, with the config's own entities but every ``ignore`` removed
and no accepted differences: what two runs of one implementation on the same input do not
agree on (timestamps, surrogate ids, order-dependent values) is its own noise. The run is
recorded in the ledger like any other; its recorded config text starts with a comment
saying what it was, so its config hash is not the config's and ``harness gate --config``
never counts it. harness.calibrate_proposals turns its document into proposals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.calibrate_proposals import IGNORE, KeyNoise, Noise, measure
from harness.config import Config
from harness.database import Database
from harness.history import run_document
from harness.progress import Progress
from harness.run_plan import RunRequest
from harness.run_start import RunState
from harness.runner import Runner

SIDES = ("control", "candidate")
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Calibration:
    """What calibrating one side found."""

    label: str  # control or candidate: the config's side calibrated
    side: str  # its name
    run_id: str
    dates: tuple[str, ...]
    out_dir: Path
    noise: tuple[Noise, ...]  # in config order of the entities
    keys: tuple[KeyNoise, ...]
    failures: tuple[str, ...]
    unmeasured: tuple[str, ...]  # "journals.voucher_id": ignored by the config, no noise measured
    toml: str  # the proposals, to merge into the config's [[entities]]
    keep_ignores: bool = False  # the config's ignores were kept: only the noise they miss shows

    @property
    def clean(self) -> bool:
        """No noise, no key only one copy held, no failed comparison."""
        return not (self.noise or self.keys or self.failures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "side": self.side,
            "run_id": self.run_id,
            "dates": list(self.dates),
            "out_dir": str(self.out_dir),
            "clean": self.clean,
            "keep_ignores": self.keep_ignores,
            "noise": [n.to_dict() for n in self.noise],
            "keys": [k.to_dict() for k in self.keys],
            "failures": list(self.failures),
            "ignored_without_noise": list(self.unmeasured),
            "toml": self.toml,
        }


def self_pair(config: Config, label: str, keep_ignores: bool = False) -> Config:
    """The config whose control and candidate are both its ``label`` side, without any
    ignore (unless ``keep_ignores``) and without accepted differences."""
    if label not in SIDES:
        raise ValueError(f"no side {label!r}")
    side = config.control if label == "control" else config.candidate
    ignores = "the config's ignores kept" if keep_ignores else "every entity's ignore removed"
    header = (
        f"# harness calibrate: the {label} ({side.name}) against a second copy of itself, "
        f"{ignores}, no accepted differences applied\n"
    )
    return replace(
        config,
        text=header + config.text,
        control=side,
        candidate=side,
        entities=config.entities if keep_ignores else tuple(replace(s, ignore=()) for s in config.entities),
        accepted_differences=(),
    )


def run_calibration(
    database: Database,
    config: Config,
    label: str,
    request: RunRequest,
    progress: Progress,
    keep_ignores: bool = False,
) -> tuple[RunState, dict[str, Any]]:
    """The calibration run of the config's ``label`` side, recorded; its run document."""
    state = Runner(database, self_pair(config, label, keep_ignores), progress).run(request)
    with database.connect() as conn:
        return state, run_document(conn, state.run_id)


def from_document(
    doc: dict[str, Any], config: Config, label: str, out_dir: Path, keep_ignores: bool = False
) -> Calibration:
    """What a calibration run's document says about the side's noise."""
    measured = measure(doc["comparisons"])
    order = {spec.name: i for i, spec in enumerate(config.entities)}
    ignored = {(spec.name, column) for spec in config.entities for column in spec.ignore}
    noise = tuple(
        replace(n, ignored=(n.entity, n.column) in ignored)
        for n in sorted(measured.noise, key=lambda n: (order.get(n.entity, len(order)), n.column))
    )
    found = {(n.entity, n.column) for n in noise}
    unmeasured = (
        ()
        if keep_ignores
        else tuple(
            f"{spec.name}.{column}" + ("" if measured.compared.get(spec.name) else " (no rows compared)")
            for spec in config.entities
            for column in spec.ignore
            if (spec.name, column) not in found
        )
    )
    run = doc["run"]
    calibration = Calibration(
        label=label,
        side=doc["sides"]["control"]["side"],
        run_id=run["run_id"],
        dates=tuple(run["dates"]),
        out_dir=out_dir,
        noise=noise,
        keys=measured.keys,
        failures=measured.failures,
        unmeasured=unmeasured,
        toml="",
        keep_ignores=keep_ignores,
    )
    return replace(calibration, toml=snippet(calibration, config))


def snippet(calibration: Calibration, config: Config) -> str:
    """The proposals as TOML: per entity a table naming it, whose keys are to be merged into
    the config's [[entities]] table of that name (entities are an array of tables)."""
    c = calibration
    span = f"{c.dates[0]}..{c.dates[-1]}" if c.dates else "no dates"
    lines = [f"# harness calibrate {c.run_id} ({c.label}: {c.side}), {span}"]
    if c.keep_ignores:
        lines.append("# the config's ignores were kept: what shows here is noise they do not silence")
    if c.noise or c.keys:
        lines.append("# merge each table's keys into the [[entities]] table of the same name")
    else:
        lines.append("# no noise measured: nothing to ignore")
    specs = {spec.name: spec for spec in config.entities}
    for entity in dict.fromkeys(n.entity for n in c.noise):
        lines += ["", f"[[entities]]  # {entity}", f"name = {json.dumps(entity)}"]
        mine = [n for n in c.noise if n.entity == entity]
        ignored = [n.column for n in mine if n.proposal == IGNORE]
        spec = specs.get(entity)
        if c.keep_ignores and spec:
            ignored = [*spec.ignore, *(col for col in ignored if col not in spec.ignore)]
        if ignored:
            lines.append(f"ignore = {json.dumps(ignored)}")
        normalized = {n.column: n.proposal for n in mine if n.proposal != IGNORE}
        if normalized:
            kept = {k: str(v) for k, v in (spec.normalizers if spec else {}).items() if k not in ignored}
            pairs = ", ".join(f"{_key(k)} = {json.dumps(v)}" for k, v in {**kept, **normalized}.items())
            lines.append(f"normalizers = {{ {pairs} }}")
    for key in c.keys:
        lines.append(
            f"# {key.entity}: {key.rows} key(s) only one copy held (or held twice): no ignore silences "
            "that; the key is not deterministic"
        )
    for failure in c.failures:
        lines.append(f"# not measured: {failure}")
    if c.unmeasured:
        lines.append(f"# ignored but no measured noise: {', '.join(c.unmeasured)}")
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return name if BARE_KEY.fullmatch(name) else json.dumps(name)
