"""harness run --repeat N: every side timed N times per date on identical state, the
spreads and the speedup interval recorded, the gate reading the interval's lower bound."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from harness.gate import DEFAULT_POLICY, evaluate
from harness.timing_stats import speedup_interval
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small, variant

# Fails from its second execution on: nextval is the one thing a rolled-back repeat keeps.
SECOND_TIME_FAILS = "SELECT 1 / (2 - nextval('repeat_probe'))"


def series(rng: random.Random, centre: float, n: int) -> list[float]:
    return [rng.gauss(centre, centre / 10) for _ in range(n)]


def test_the_interval_narrows_as_the_repeats_grow() -> None:
    rng = random.Random(7)
    widths = []
    for n in (4, 16, 64):
        found = speedup_interval(series(rng, 2.0, n), series(rng, 1.0, n))
        assert found is not None and found["samples"] == n
        assert found["low"] <= 2.0 <= found["high"] or n < 16
        widths.append(found["high"] - found["low"])
    assert widths[0] > widths[1] > widths[2]
    assert speedup_interval([2.0], [1.0]) is None
    again = speedup_interval([2.0, 2.1, 1.9], [1.0, 1.1, 0.9])
    assert again == speedup_interval([2.0, 2.1, 1.9], [1.0, 1.1, 0.9])  # reproducible


def gate_document(speedup: float, interval: dict[str, Any] | None) -> dict[str, Any]:
    day = DATES[0].isoformat()
    return {
        "run": {"run_id": "r", "dates": [day], "status": "completed"},
        "unit": None,
        "method": {},
        "matrix": [{"business_date": day, "input_rows": None, "recorded": True, "cells": []}],
        "comparisons": [
            {
                "business_date": day,
                "entity": "e",
                "verdict": "MATCH",
                "counts": {"control_rows": 1, "candidate_rows": 1},
            }
        ],
        "timings": [{"business_date": day, "speedup": speedup, "speedup_interval": interval}],
        "invariants": [{"business_date": day, "label": "candidate", "name": "i", "holds": True}],
        "accepted_differences": [],
    }


def test_the_gate_reads_the_lower_bound() -> None:
    policy = {**DEFAULT_POLICY, "min_clean_dates": 1, "min_speedup": 2.0}
    wide = {"low": 1.4, "high": 3.1, "level": 0.95, "samples": 5}
    assert evaluate(policy, [gate_document(3.0, None)]).ready
    noisy = evaluate(policy, [gate_document(3.0, wide)])
    speedup = next(c for c in noisy.criteria if c.name == "candidate speedup on the median date")
    assert (
        not noisy.ready and speedup.figure == "1.40x (the lower bound of its 95% interval on 1 of 1 date(s))"
    )


def test_repeats_time_identical_work_and_record_every_sample(db: TestDatabase, tmp_path: Path) -> None:
    seed_small(db, per_day=30)
    _, doc = run(db, config_with(tmp_path), tmp_path, DATES[:1], repeat=3)
    assert doc["verdict"]["ready"], doc["verdict"]
    timing = doc["timings"][0]
    for side in ("control", "candidate"):
        repeats = timing[side]["repeats"]
        assert repeats["n"] == 3 and len(repeats["samples"]) == 3
        assert repeats["min"] <= repeats["median"] <= repeats["max"]
        assert repeats["samples"][-1] == pytest.approx(timing[side]["seconds"])
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT body::jsonb -> 'samples' FROM harness.entry WHERE kind = 'execution' AND run_id = %s",
            (doc["run"]["run_id"],),
        ).fetchall()
    for (samples,) in rows:  # the same input: every repeat wrote the same rows in every phase
        assert len({tuple(p["rows"] for p in s["phases"]) for s in samples}) == 1
    interval = timing["speedup_interval"]
    assert interval["samples"] == 3 and interval["low"] <= timing["speedup"] <= interval["high"]


# Writes a row in its first execution only: a side doing other work when it is repeated.
OTHER_WORK = (
    "UPDATE gl_entries SET t3 = t3 WHERE business_date = %(business_date)s AND nextval('repeat_probe') = 1"
)


@pytest.mark.parametrize(
    ("repeat", "phase", "said"),
    [
        (2, SECOND_TIME_FAILS, "division by zero"),
        (3, SECOND_TIME_FAILS, "repeat 2 of 3: "),
        (2, OTHER_WORK, "repeat 1 wrote other rows than the recorded execution"),
    ],
    ids=["recorded fails", "repeat fails", "repeat does other work"],
)
def test_a_side_failing_a_repeat_fails_its_date(
    db: TestDatabase, tmp_path: Path, repeat: int, phase: str, said: str
) -> None:
    seed_small(db, per_day=10)
    folder = Path(variant(tmp_path, "enhanced", phase, "probe"))
    (folder / "probe.sql").write_text("CREATE SEQUENCE repeat_probe;\n", encoding="utf-8")
    manifest = folder / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('views.sql"]', 'views.sql", "probe.sql"]', 1), encoding="utf-8")
    assert "probe.sql" in manifest.read_text(encoding="utf-8")
    _, doc = run(db, config_with(tmp_path, candidate=str(folder)), tmp_path, DATES[:1], repeat=repeat)
    candidate = doc["timings"][0]["candidate"]
    assert candidate["status"] == "FAILED" and said in candidate["error"]
    assert not doc["verdict"]["ready"]


def test_plans_are_captured_once_and_rendered(db: TestDatabase, tmp_path: Path) -> None:
    seed_small(db, per_day=20)
    _, doc = run(db, config_with(tmp_path), tmp_path, DATES[:2], plans=True)
    assert doc["verdict"]["ready"], doc["verdict"]  # the rolled-back capture changed nothing
    first, second = doc["timings"]
    plans = first["candidate"]["plans"]
    assert plans["status"] == "captured" and first["control"]["plans"]["status"] == "captured"
    gl = next(p for p in plans["phases"] if p["name"] == "GL posting")
    assert gl["plans_seen"] > 0 and any(p["nested"] and p["total_ms"] > 0 for p in gl["plans"])
    assert second["candidate"]["plans"] is None and second["control"]["plans"] is None
    from reports.html import render_html

    html = render_html(doc)
    assert 'id="plans-candidate"' in html and "GL posting" in html
