"""Which of a run's ignores measured noise justifies ([run] calibrated = RUN or [RUN, ...]).

A calibration run (harness calibrate) compares one side with a second copy of itself, with
every ignore removed: a column it found differing is that side's own noise, and ignoring it
is justified; an ignore no calibration found noise in hides differences nobody measured. The
runs named must be calibrations of the SQL this run executes (the side's sql_sha256), else
they say nothing about it and the run is refused before it starts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from harness.calibrate_proposals import measure
from harness.config import Config
from harness.database import Connection
from harness.errors import ConfigError, RunNotFound
from harness.ledger.entries import RunStatus
from harness.ledger.runs import read_run
from harness.provenance import sql_sha256

# The header harness.calibrate.self_pair writes above a calibration run's config text
HEADER = re.compile(r"# harness calibrate: the (control|candidate) \((.*?)\) against a second copy of itself")


def ignore_evidence(conn: Connection, config: Config) -> dict[str, Any] | None:
    """The calibrations named and, per ignored column, the noise they measured in it;
    None when the config names none."""
    if not config.calibrated:
        return None
    runs = [_calibration(conn, config, run_id) for run_id in config.calibrated]
    evidence: dict[tuple[str, str], list[str]] = defaultdict(list)
    for run in runs:
        for noise in measure([c.to_body() for c in run["record"].comparisons]).noise:
            what = f"{run['run_id']} ({run['label']}): differed in {noise.rows} of {noise.compared} rows"
            evidence[(noise.entity, noise.column)].append(what)
    return {
        "runs": [{k: v for k, v in run.items() if k != "record"} for run in runs],
        "ignores": [
            {
                "entity": spec.name,
                "column": column,
                "supported": bool(evidence.get((spec.name, column))),
                "evidence": evidence.get((spec.name, column), []),
            }
            for spec in config.entities
            for column in spec.ignore
        ],
    }


def _calibration(conn: Connection, config: Config, run_id: str) -> dict[str, Any]:
    where = f"{config.path}: 'run.calibrated' names run {run_id!r}"
    try:
        record = read_run(conn, run_id)
    except RunNotFound:
        raise ConfigError(f"{where}, which is not in the ledger; 'harness history' lists the runs") from None
    found = HEADER.match(record.started.config.get("text", ""))
    if found is None:
        raise ConfigError(f"{where}, which is not a calibration run; make one with 'harness calibrate'")
    if record.status is not RunStatus.COMPLETED:
        raise ConfigError(f"{where}, a calibration that did not complete ({record.status}); calibrate again")
    label = found.group(1)
    side = config.control if label == "control" else config.candidate
    now = sql_sha256(side)
    ran = {record.started.sides[s]["sql_sha256"] for s in ("control", "candidate")}
    if found.group(2) != side.name or len(ran) != 1:
        # a header alone proves nothing: a calibration ran one side's SQL on both sides
        raise ConfigError(f"{where}, which did not run the {label} ({side.name}) against itself")
    if ran != {now}:
        raise ConfigError(
            f"{where}, a calibration of other SQL than the {label} ({side.name}) this run executes; "
            "calibrate it again"
        )
    dates = record.started.dates
    return {"run_id": run_id, "label": label, "side": side.name, "dates": dates, "record": record}
