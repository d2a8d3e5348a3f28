-- Phase 'journal creation': first the date's voucher groups, one per (ledger_code,
-- journal_type, currency) of the accepted transactions, each with a voucher id from
-- voucher's identity sequence, allocated in voucher-number order (voucher_staging); then
-- the journals in one INSERT, each with the journal_id fetch_transactions allocated and
-- its group's voucher_id: a journal is written once, never updated. (The staged
-- transactions' statuses are set in their own phase, set_statuses.sql.)
CREATE FUNCTION create_journals(d date)
RETURNS bigint
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
DECLARE
    created bigint;
    voucher_ids regclass := pg_get_serial_sequence('voucher', 'voucher_id')::regclass;
BEGIN
    TRUNCATE voucher_staging;
    INSERT INTO voucher_staging (business_date, ledger_code, journal_type, currency, voucher_id)
    SELECT d, ledger_code, journal_type, currency, nextval(voucher_ids)
    FROM (
        SELECT ledger_code, journal_type, currency
        FROM txn_staging
        WHERE error_code IS NULL
          AND business_date = d
        GROUP BY ledger_code, journal_type, currency
        ORDER BY ledger_code COLLATE "C", journal_type COLLATE "C", currency COLLATE "C"
    ) g;

    -- The metadata from one constant key array and the four text values: the same jsonb
    -- as jsonb_build_object (a NULL value becomes JSON null) at about 60% of its cost, a
    -- tenth of the whole insert at 100,000 journals.
    -- txn_staging is in journal_id order (the ids were drawn as its rows were written):
    -- the journals go in in that order, appending to the end of each index on journal_id
    INSERT INTO sun_journal (
        journal_id, txn_reference, business_date, ledger_code, period, journal_type,
        journal_source, currency, fx_rate, description, total_debit_base, total_credit_base,
        line_count, metadata, voucher_id)
    SELECT s.journal_id, s.txn_reference, s.business_date, s.ledger_code, s.period,
           s.journal_type,
           (SELECT value FROM posting_config WHERE key = 'journal_source'),
           s.currency, s.fx_rate, s.description,
           greatest(s.debit_base, s.credit_base),
           greatest(s.debit_base, s.credit_base),
           s.line_count,
           jsonb_object('{policy_number,policyholder,txn_type,description}'::text[],
                        ARRAY[s.policy_number, s.policyholder_name, s.txn_type, s.description]),
           v.voucher_id
    FROM txn_staging s
    JOIN voucher_staging v
      ON v.business_date = s.business_date
     AND v.ledger_code = s.ledger_code
     AND v.journal_type = s.journal_type
     AND v.currency = s.currency
    WHERE s.error_code IS NULL
      AND s.business_date = d;
    GET DIAGNOSTICS created = ROW_COUNT;

    RETURN created;
END
$$;
