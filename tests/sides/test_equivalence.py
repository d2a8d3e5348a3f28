"""Legacy and enhanced agree on generated data: several dates across a month end and a
rerun after late transactions; the only difference is legacy's JSON defect, exactly where
domain.md puts it (a policyholder name or description containing a double quote or backslash)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from comparisons import compare_entity, load_export_rows
from harness.config import load_config
from harness.isolation import SideSpace, copy_source, create_space, side_space
from harness.sides import export_files, install_into_schema, process_date
from harness.synthetic.loader import seed

DATES = [date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1)]
TODAY = date(2026, 11, 25)
# Late transactions for 2024-02-29, arriving after the date was processed: one with a quote
# in its description (the defect again), one a cancellation.
LATE = """
INSERT INTO insurance_transaction (txn_id, txn_reference, business_date, policy_id, txn_type, currency,
                                   gross_amount, commission_rate, description)
SELECT 20240229900000 + n, 'TX-20240229-9' || lpad(n::text, 5, '0'), DATE '2024-02-29', p.policy_id,
       CASE WHEN n % 2 = 0 THEN 'RENEWAL' ELSE 'CANCELLATION' END, p.currency,
       CASE WHEN n % 2 = 0 THEN 1234.57 ELSE -99.99 END, NULL,
       CASE WHEN n = 1 THEN 'late "correction"' ELSE 'late renewal' END
FROM generate_series(1, 6) AS n
JOIN LATERAL (SELECT policy_id, currency FROM policy WHERE ledger_code <> 'RO1' AND currency IN ('GBP', 'EUR', 'USD')
              ORDER BY policy_id OFFSET n LIMIT 1) p ON true
"""
DEFECT_ROWS = """
SELECT count(*) FROM sun_journal j
JOIN insurance_transaction t USING (txn_reference)
JOIN policy p ON p.policy_id = t.policy_id
WHERE j.business_date = %s AND (p.policyholder_name ~ '["\\\\]' OR t.description ~ '["\\\\]')
"""


@pytest.fixture
def sides(clean_db: Any, tmp_path: Path) -> tuple[Any, list[SideSpace], Any]:
    """Both bundled sides, each with its own copy of 3 seeded dates (300 a day), not yet run."""
    config = load_config()
    conn = clean_db.connect()
    seed(conn, "source", DATES[0], DATES[-1], 300, 7)
    spaces = [side_space("eq", label, side, isolate=False) for label, side in config.sides()]
    for space in spaces:
        create_space(conn, space)
        copy_source(conn, space, config.source, DATES)
        install_into_schema(conn, space.side, space.schema)
    yield conn, spaces, config
    conn.close()


def run_and_compare(conn: Any, spaces: list[SideSpace], config: Any, day: date, out: Path) -> dict[str, Any]:
    files = {}
    for space in spaces:
        process_date(conn, space.side, space.schema, None, day)
        files[space.label] = export_files(conn, space.side, space.schema, None, day, out / space.label)
        load_export_rows(conn, space.schema, files[space.label])
    control, candidate = files["control"], files["candidate"]
    assert [p.name for p in control] == [p.name for p in candidate]
    assert [p.read_bytes() for p in control] == [p.read_bytes() for p in candidate]
    return {
        e.name: compare_entity(
            conn, e, spaces[0].schema, spaces[1].schema, day, config.accepted_differences, today=TODAY
        ).to_dict()
        for e in config.entities
    }


def defect_rows(conn: Any, schema: str, day: date) -> int:
    conn.execute(f'SET search_path TO "{schema}"')
    row = conn.execute(DEFECT_ROWS, (day,)).fetchone()
    conn.execute("RESET search_path")
    return int(row[0])


def assert_equal_but_for_the_defect(
    conn: Any, spaces: list[SideSpace], results: dict[str, Any], day: date
) -> None:
    verdicts = {name: r["verdict"] for name, r in results.items()}
    assert verdicts == {name: ("ACCEPTED" if name == "journals" else "MATCH") for name in results}
    journals = results["journals"]["counts"]
    expected = defect_rows(conn, spaces[0].schema, day)
    assert expected > 0
    assert journals["different"] == journals["invalid_json"] == journals["accepted"] == expected
    assert results["journals"]["accepted"] == {"legacy-json-escaping": expected}


def test_dates_across_a_month_end_then_a_rerun_after_late_transactions(sides: Any, tmp_path: Path) -> None:
    conn, spaces, config = sides
    for day in DATES:
        results = run_and_compare(conn, spaces, config, day, tmp_path / day.isoformat())
        assert_equal_but_for_the_defect(conn, spaces, results, day)

    before = vouchers(conn, spaces[1].schema, DATES[1])
    for space in spaces:
        conn.execute(f'SET search_path TO "{space.schema}"')
        conn.execute(LATE)
    conn.execute("RESET search_path")
    rerun = run_and_compare(conn, spaces, config, DATES[1], tmp_path / "rerun")
    assert_equal_but_for_the_defect(conn, spaces, rerun, DATES[1])
    after = vouchers(conn, spaces[1].schema, DATES[1])
    new = sorted(set(after) - set(before))
    assert set(before) <= set(after), "earlier vouchers keep their numbers"
    assert new, "the late transactions got vouchers"
    for number in new:
        ledger = number.split("-")[0]
        assert number > max(n for n in before if n.startswith(ledger + "-")), "numbered after the first run's"


def vouchers(conn: Any, schema: str, day: date) -> list[str]:
    rows = conn.execute(
        f'SELECT voucher_number FROM "{schema}".voucher WHERE business_date = %s ORDER BY 1', (day,)
    )
    return [str(n) for (n,) in rows]
