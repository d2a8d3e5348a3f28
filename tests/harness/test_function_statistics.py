"""Each side's own functions, as the server counted them in the date's transaction."""

from __future__ import annotations

from pathlib import Path

from reports.html import render_html
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small


def test_each_side_records_its_functions_calls_and_times_per_date(db: TestDatabase, tmp_path: Path) -> None:
    seed_small(db, per_day=10)
    _, doc = run(db, config_with(tmp_path), tmp_path, DATES[:2])
    for timing in doc["timings"]:
        control = {f["name"]: f for f in timing["control"]["functions"]}
        candidate = {f["name"]: f for f in timing["candidate"]["functions"]}
        assert control["process_journals"]["calls"] == 1  # the legacy monolith, once a date
        assert {"fetch_transactions", "create_journals", "post_gl", "create_vouchers"} <= set(candidate)
        for f in [*control.values(), *candidate.values()]:
            assert 0 <= f["self_ms"] <= f["total_ms"]
    html = render_html(doc)
    assert 'id="functions-control"' in html and "<code>process_journals</code>" in html
