"""A side that changes a pinned setting of its session for good (is_local = false) FAILS
for that date, with the setting named, and the change reaches neither the other side nor
the side's next date."""

from __future__ import annotations

import re

import pytest

from tests.harness.hostile.checks import assert_candidate_failed, assert_control_ok, assert_not_ready
from tests.harness.hostile.conftest import TWO_DATES, RunHostile
from tests.harness.hostile.sides import Attack

# setting -> the statement of the phase that changes it for the rest of the session
PINNED = {
    "TimeZone": "SELECT set_config('TimeZone', 'America/New_York', false)",
    "DateStyle": "SELECT set_config('DateStyle', 'SQL, DMY', false)",
    "extra_float_digits": "SELECT set_config('extra_float_digits', '0', false)",
    "search_path": "SELECT set_config('search_path', current_setting('search_path') || ', public', false)",
    "client_min_messages": "SELECT set_config('client_min_messages', 'notice', false)",
    "statement_timeout": "SELECT set_config('statement_timeout', '3600000', false)",
}


@pytest.mark.parametrize(("setting", "statement"), PINNED.items(), ids=PINNED.keys())
def test_pinned_setting_changed(hostile: RunHostile, setting: str, statement: str) -> None:
    run = hostile(Attack(phases=(("change a setting", statement),)))
    assert_not_ready(run.doc, run.code)
    assert_candidate_failed(run, re.compile(re.escape(setting), re.IGNORECASE))
    assert_control_ok(run)


def test_settings_do_not_leak_into_the_next_date(hostile: RunHostile) -> None:
    """The candidate changes three settings on each date (with SET, as plain SQL would);
    the control's second date runs after the candidate's first and is untouched."""
    phases = (
        ("time zone", "SET TimeZone TO 'Asia/Tokyo'"),
        ("date style", "SET DateStyle TO 'German, DMY'"),
        ("float digits", "SET extra_float_digits TO -10"),
    )
    run = hostile(Attack(phases=phases), dates=TWO_DATES)
    assert_not_ready(run.doc, run.code)
    assert_candidate_failed(run, re.compile("TimeZone", re.IGNORECASE))
    assert_control_ok(run)
    assert len(run.executions("control")) == 2
