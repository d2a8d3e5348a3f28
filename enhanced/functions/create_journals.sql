-- Phase 'journal creation': first the date's voucher groups, one per (ledger_code,
-- journal_type, currency) of the accepted transactions, each with a voucher id from
-- voucher's identity sequence, allocated in voucher-number order (voucher_staging); then
-- the journals in one INSERT, each with the journal_id fetch_transactions allocated and
-- its group's voucher_id: a journal is written once, never updated. (The transactions'
-- statuses are set where the rules set them: ERROR by the data fetch, PROCESSED once the
-- date is through, by the export phase.)
CREATE FUNCTION create_journals(d date)
RETURNS bigint
LANGUAGE plpgsql
SET work_mem = '256MB'
SET maintenance_work_mem = '256MB'
SET jit = off
AS $$
DECLARE
    created bigint;
    voucher_ids regclass := pg_get_serial_sequence('voucher', 'voucher_id')::regclass;
    month_part text := 'sun_journal_p' || to_char(d, 'YYYYMM');
    day_part text := 'sun_journal_p' || to_char(d, 'YYYYMMDD');
    fresh boolean;
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

    -- A date's first run writes its journals into a table of their own, attached to the
    -- month's partition (tables.sql) once they are in: attaching builds each of
    -- sun_journal's indexes on it in one pass over the finished rows (sorted b-trees, a GIN
    -- built in memory) instead of maintaining five indexes row by row. A date that has
    -- journals already (a rerun after late transactions, books copied in) gets them added
    -- where they are.
    fresh := NOT EXISTS (SELECT 1 FROM pg_class
                         WHERE relname = day_part
                           AND relnamespace = (SELECT relnamespace FROM pg_class
                                               WHERE oid = 'sun_journal'::regclass))
             AND NOT EXISTS (SELECT 1 FROM sun_journal WHERE business_date = d);
    IF fresh THEN
        EXECUTE format('CREATE TABLE %I (LIKE sun_journal INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                       day_part);
    END IF;

    -- txn_staging is in journal_id order (the ids were drawn as its rows were written):
    -- the journals go in in that order (each index on journal_id is built or appended to
    -- in order). The metadata object comes from a row of its four keys: to_jsonb(record)
    -- builds the same jsonb as jsonb_build_object(...) in a fifth of the time.
    EXECUTE format($insert$
        INSERT INTO %I (
            journal_id, txn_reference, business_date, ledger_code, period, journal_type,
            journal_source, currency, fx_rate, description, total_debit_base,
            total_credit_base, line_count, metadata, voucher_id)
        SELECT s.journal_id, s.txn_reference, s.business_date, s.ledger_code, s.period,
               s.journal_type,
               (SELECT value FROM posting_config WHERE key = 'journal_source'),
               s.currency, s.fx_rate, s.description,
               greatest(s.debit_base, s.credit_base),
               greatest(s.debit_base, s.credit_base),
               s.line_count,
               to_jsonb(m),
               v.voucher_id
        FROM txn_staging s
        CROSS JOIN LATERAL (
            SELECT s.policy_number, s.policyholder_name AS policyholder, s.txn_type,
                   s.description
        ) AS m
        JOIN voucher_staging v
          ON v.business_date = s.business_date
         AND v.ledger_code = s.ledger_code
         AND v.journal_type = s.journal_type
         AND v.currency = s.currency
        WHERE s.error_code IS NULL
          AND s.business_date = $1
    $insert$, CASE WHEN fresh THEN day_part ELSE 'sun_journal' END) USING d;
    GET DIAGNOSTICS created = ROW_COUNT;

    IF fresh THEN
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       month_part, day_part, d, d + 1);
    END IF;
    RETURN created;
END
$$;
