"""A side cannot steer the comparison: not by shadowing the functions, operators and
aggregates the comparison calls (search_path set to its own schema first), not by putting
a view where an output table should be."""

from __future__ import annotations

import re

import pytest

from tests.harness.hostile.checks import assert_corruption_found, assert_not_ready
from tests.harness.hostile.conftest import RunHostile
from tests.harness.hostile.sides import CALL_ATTACK, Attack

# The session's search_path: the side's schema, then pg_catalog (so its objects win).
OWN_SCHEMA_FIRST = (
    "search own schema first",
    "SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_catalog', false)",
)

SHADOWS = {
    # stage 1 decides "equal" on the xors of the two sides' row hashes agreeing, and counts
    "sum-bit_xor": """
CREATE FUNCTION hostile_zero(numeric, bigint) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT 0::numeric';
CREATE AGGREGATE sum(bigint) (SFUNC = hostile_zero, STYPE = numeric, INITCOND = '0');
CREATE FUNCTION hostile_xor(bigint, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT 0::bigint';
CREATE AGGREGATE bit_xor(bigint) (SFUNC = hostile_xor, STYPE = bigint, INITCOND = '0');
""",
    # ... of hash_record_extended(ROW(...), seed) of each row, in buckets of its key's hash
    "hash_record_extended": """
CREATE FUNCTION hash_record_extended(record, bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN 0; END';
CREATE FUNCTION hashtextextended(text, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT 0::bigint';
""",
    # what fingerprints, normalizers and JSON checks call
    "md5-lower-btrim-json": """
CREATE FUNCTION md5(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT 'd41d8cd98f00b204e9800998ecf8427e'$$;
CREATE FUNCTION lower(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT ''$$;
CREATE FUNCTION upper(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT ''$$;
CREATE FUNCTION btrim(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT ''$$;
CREATE FUNCTION pg_input_is_valid(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
""",
    # equality that always holds
    "operators": """
CREATE FUNCTION hostile_always(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR = (LEFTARG = text, RIGHTARG = text, FUNCTION = hostile_always);
CREATE FUNCTION hostile_always(bigint, integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR = (LEFTARG = bigint, RIGHTARG = integer, FUNCTION = hostile_always);
CREATE FUNCTION hostile_never(bigint, integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT false';
CREATE OPERATOR <> (LEFTARG = bigint, RIGHTARG = integer, FUNCTION = hostile_never);
CREATE FUNCTION hostile_never(numeric, numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT false';
CREATE OPERATOR <> (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = hostile_never);
""",
}


@pytest.mark.parametrize("shadows", SHADOWS.values(), ids=SHADOWS.keys())
def test_shadowing_the_comparison(hostile: RunHostile, shadows: str) -> None:
    run = hostile(Attack(install=shadows, phases=(OWN_SCHEMA_FIRST,)))
    assert_not_ready(run.doc, run.code)
    assert_corruption_found(run)


# The last phase replaces the (corrupted) gl_entries table by a relation of the same name.
RENAME = "EXECUTE 'ALTER TABLE gl_entries RENAME TO gl_entries_real';"
VIEWS = {
    # a view over its own (corrupted) rows
    "view-of-own-rows": f"""
CREATE FUNCTION hostile_attack(d date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    {RENAME}
    EXECUTE 'CREATE VIEW gl_entries AS SELECT * FROM gl_entries_real';
END
$$;
""",
    # a view running side code when read: the control's rows, under the candidate's
    # journal ids, read by whoever reads the view (the comparison)
    "view-of-control-rows": f"""
CREATE FUNCTION hostile_control_rows(other text, own text) RETURNS SETOF gl_entries
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT c.gl_entry_id, j.journal_id, c.txn_reference, c.line_no, c.account_code, '
        'c.dc_marker, c.currency, c.txn_amount, c.base_amount, c.period, c.business_date, '
        'c.t0, c.t1, c.t2, c.t3, c.created_at '
        'FROM %I.gl_entries c JOIN %I.sun_journal j '
        'ON j.txn_reference = c.txn_reference AND j.business_date = c.business_date',
        other, own);
END
$$;
CREATE FUNCTION hostile_attack(d date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    {RENAME}
    EXECUTE format('CREATE VIEW gl_entries AS SELECT * FROM %I.hostile_control_rows(%L, %L)',
                   current_schema(), hostile_control_schema(), current_schema());
END
$$;
""",
    # a materialized view the manifest does not declare
    "undeclared-materialized-view": f"""
CREATE FUNCTION hostile_attack(d date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    {RENAME}
    EXECUTE 'CREATE MATERIALIZED VIEW gl_entries AS SELECT * FROM gl_entries_real';
END
$$;
""",
}
NOT_A_TABLE = re.compile(r"view|not a (plain |partitioned )?table", re.IGNORECASE)


@pytest.mark.parametrize("install", VIEWS.values(), ids=VIEWS.keys())
def test_view_in_place_of_an_output_table(hostile: RunHostile, install: str) -> None:
    run = hostile(Attack(install=install, phases=(CALL_ATTACK,)))
    assert_not_ready(run.doc, run.code)
    compared = run.comparisons("gl_entries")
    assert compared, f"no gl_entries comparison in run.json: {run}"
    for comparison in compared:
        assert comparison["verdict"] == "FAILED", f"gl_entries read through a view: {comparison['verdict']}"
        assert NOT_A_TABLE.search(str(comparison["error"])), comparison["error"]


# A column of the side's own type whose cast to text (what the comparison hashes and reads
# when the two sides' types differ) is side code: it hands the comparison the amounts as
# they were before the corruption.
SIDE_TYPE = """
CREATE TYPE hostile_amount AS (value numeric(18,2), line integer);
CREATE FUNCTION hostile_amount_text(a hostile_amount) RETURNS text LANGUAGE sql IMMUTABLE AS
$$SELECT ((a).value - CASE WHEN (a).line = 1 THEN 1 ELSE 0 END)::text$$;
CREATE CAST (hostile_amount AS text) WITH FUNCTION hostile_amount_text(hostile_amount);
CREATE FUNCTION hostile_amount_numeric(a hostile_amount) RETURNS numeric LANGUAGE sql IMMUTABLE AS
$$SELECT (a).value - CASE WHEN (a).line = 1 THEN 1 ELSE 0 END$$;
CREATE CAST (hostile_amount AS numeric) WITH FUNCTION hostile_amount_numeric(hostile_amount);
CREATE FUNCTION hostile_attack(d date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER TABLE gl_entries RENAME COLUMN txn_amount TO txn_amount_real';
    EXECUTE 'ALTER TABLE gl_entries ADD COLUMN txn_amount hostile_amount';
    EXECUTE 'UPDATE gl_entries SET txn_amount = ROW(txn_amount_real, line_no)::hostile_amount';
END
$$;
"""


def test_column_of_a_side_type_with_its_own_cast(hostile: RunHostile) -> None:
    run = hostile(Attack(install=SIDE_TYPE, phases=(CALL_ATTACK,)))
    assert_not_ready(run.doc, run.code)
    assert_corruption_found(run, verdicts=("MISMATCH", "FAILED"))
