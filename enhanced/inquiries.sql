-- Look-ups users run against the enhanced output, as SQL functions the planner inlines.
-- Each is the access path one index of indexes.sql (or a key of tables.sql) exists for;
-- tests/enhanced/test_objects.py checks each plan uses that index.

-- UNIQUE (txn_reference, business_date)
CREATE FUNCTION journal_for_transaction(ref text)
RETURNS SETOF sun_journal
LANGUAGE sql STABLE
AS $$
    SELECT * FROM sun_journal WHERE txn_reference = ref
$$;

-- PRIMARY KEY (journal_id, business_date)
CREATE FUNCTION journal(id bigint)
RETURNS SETOF sun_journal
LANGUAGE sql STABLE
AS $$
    SELECT * FROM sun_journal WHERE journal_id = id
$$;

-- sun_journal_metadata (GIN): containment on the policy_number key
CREATE FUNCTION journals_for_policy(policy_number text)
RETURNS SETOF sun_journal
LANGUAGE sql STABLE
AS $$
    SELECT * FROM sun_journal
    WHERE metadata @> jsonb_build_object('policy_number', journals_for_policy.policy_number)
    ORDER BY business_date, journal_id
$$;

-- sun_journal_metadata (GIN)
CREATE FUNCTION find_journals(filter jsonb)
RETURNS SETOF sun_journal
LANGUAGE sql STABLE
AS $$
    SELECT * FROM sun_journal WHERE metadata @> filter
$$;

-- voucher UNIQUE (voucher_number), then sun_journal_voucher
CREATE FUNCTION journals_of_voucher(number text)
RETURNS SETOF sun_journal
LANGUAGE sql STABLE
AS $$
    SELECT j.* FROM voucher v
    JOIN sun_journal j ON j.voucher_id = v.voucher_id AND j.business_date = v.business_date
    WHERE v.voucher_number = number
$$;

-- gl_entries_date_journal (BRIN)
CREATE FUNCTION journal_lines(id bigint, on_date date)
RETURNS SETOF gl_entries
LANGUAGE sql STABLE
AS $$
    SELECT * FROM gl_entries WHERE business_date = on_date AND journal_id = id
    ORDER BY line_no
$$;

-- gl_entries_rounding
CREATE FUNCTION rounding_lines(in_period text)
RETURNS SETOF gl_entries
LANGUAGE sql STABLE
AS $$
    SELECT * FROM gl_entries WHERE period = in_period AND txn_amount = 0
    ORDER BY account_code, business_date, journal_id
$$;

-- journal_error_date_code
CREATE FUNCTION errors_for_date(d date, code text DEFAULT NULL)
RETURNS SETOF journal_error
LANGUAGE sql STABLE
AS $$
    SELECT * FROM journal_error
    WHERE business_date = d AND (code IS NULL OR error_code = code)
$$;

-- journal_error_reference
CREATE FUNCTION transaction_errors(ref text)
RETURNS SETOF journal_error
LANGUAGE sql STABLE
AS $$
    SELECT * FROM journal_error WHERE txn_reference = ref ORDER BY error_id
$$;
