"""The bundled config on the real sides: legacy and enhanced run one synthetic date, then
every bundled entity is compared and every invariant checked on both sides."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from comparisons import check_invariants, compare_entity, load_export_rows, summarize_accepted
from harness.config import load_config
from harness.isolation import copy_source, create_space, side_space
from harness.sides import export_files, install_into_schema, process_date
from harness.synthetic.loader import seed

DAY = date(2024, 3, 1)


def test_bundled_specs_accept_only_the_json_defect_and_invariants_hold(clean_db: Any, tmp_path: Path) -> None:
    """2,000 synthetic transactions; the sides agree except the legacy metadata escaping."""
    config = load_config()
    with clean_db.connect() as conn:
        seed(conn, config.source.schema, DAY, DAY, 2000, 7)
        spaces = [side_space("t", label, side, isolate=False) for label, side in config.sides()]
        for space in spaces:
            create_space(conn, space)
            copy_source(conn, space, config.source, [DAY])
            install_into_schema(conn, space.side, space.schema)
            process_date(conn, space.side, space.schema, None, DAY)
            files = export_files(conn, space.side, space.schema, None, DAY, tmp_path / space.label)
            load_export_rows(conn, space.schema, files)
        results = [
            compare_entity(
                conn,
                entity,
                spaces[0].schema,
                spaces[1].schema,
                DAY,
                config.accepted_differences,
                today=date(2026, 11, 25),
            ).to_dict()
            for entity in config.entities
        ]
        invariants = [r for s in spaces for r in check_invariants(conn, config.invariants, s.schema, DAY)]

    verdicts = {r["entity"]: r["verdict"] for r in results}
    assert verdicts == {
        "journals": "ACCEPTED",
        "gl_entries": "MATCH",
        "vouchers": "MATCH",
        "voucher_lines": "MATCH",
        "journal_errors": "MATCH",
        "transaction_status": "MATCH",
        "export": "MATCH",
    }
    journals = results[0]["counts"]
    assert journals["different"] == journals["invalid_json"] == journals["accepted"] > 0
    assert all(r["counts"]["control_rows"] > 0 for r in results)
    assert [(i.name, i.violations) for i in invariants if not i.holds] == []
    (defect,) = summarize_accepted(config.accepted_differences, results, today=date(2026, 11, 25))
    assert (defect["status"], defect["rows_covered"]) == ("active", journals["accepted"])
