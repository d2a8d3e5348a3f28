-- Phase 'voucher creation'. The date's new journals already carry their voucher ids
-- (voucher_staging, drawn by create_journals); first a guard that no journal of the date
-- is without one (it would be missing from every voucher and from the export), then one
-- statement: the journals of those vouchers (through sun_journal_voucher) summed per
-- voucher, numbered per ledger after the date's existing vouchers (a rerun's late
-- journals get new vouchers; earlier ones keep theirs), written with the drawn ids, and
-- exactly those journals' GL lines summed into voucher lines. A staged voucher already
-- written is skipped: running the phase twice creates nothing twice.
CREATE FUNCTION create_vouchers(d date)
RETURNS bigint
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
-- The date's journals and lines were written in this transaction, after the statistics:
-- the planner would estimate one row, loop over them and sort them. Every join and
-- grouping here is over whole sets: hash them.
SET enable_nestloop = off
SET enable_sort = off
AS $$
DECLARE
    lines bigint;
    unvouchered bigint;
BEGIN
    SELECT count(*) INTO unvouchered
    FROM sun_journal
    WHERE business_date = d
      AND voucher_id IS NULL;
    IF unvouchered > 0 THEN
        RAISE EXCEPTION '% journal(s) of % have no voucher', unvouchered, d;
    END IF;

    WITH journal AS MATERIALIZED (
        SELECT j.journal_id, j.voucher_id, j.period, j.total_debit_base, j.total_credit_base
        FROM sun_journal j
        WHERE j.business_date = d
          AND j.voucher_id = ANY (ARRAY(SELECT voucher_id FROM voucher_staging
                                        WHERE business_date = d))
    ), grouped AS (
        SELECT voucher_id,
               min(period COLLATE "C") AS period,
               count(*) AS journal_count,
               sum(total_debit_base) AS total_debit_base,
               sum(total_credit_base) AS total_credit_base
        FROM journal
        GROUP BY voucher_id
    ), last_number AS (
        SELECT ledger_code, max(split_part(voucher_number, '-', 3)::integer) AS seq
        FROM voucher
        WHERE business_date = d
        GROUP BY ledger_code
    ), numbered AS (
        SELECT vs.voucher_id, vs.ledger_code, vs.journal_type, vs.currency, g.period,
               g.journal_count, g.total_debit_base, g.total_credit_base,
               coalesce(n.seq, 0) + row_number() OVER (
                   PARTITION BY vs.ledger_code
                   ORDER BY vs.journal_type COLLATE "C", vs.currency COLLATE "C") AS seq
        FROM voucher_staging vs
        JOIN grouped g ON g.voucher_id = vs.voucher_id
        LEFT JOIN last_number n ON n.ledger_code = vs.ledger_code
        WHERE vs.business_date = d
          AND NOT EXISTS (SELECT 1 FROM voucher v WHERE v.voucher_id = vs.voucher_id)
    ), new_voucher AS (
        INSERT INTO voucher (
            voucher_id, voucher_number, ledger_code, business_date, period, journal_type,
            currency, journal_count, total_debit_base, total_credit_base)
        SELECT voucher_id,
               ledger_code || '-' || to_char(d, 'YYYYMMDD') || '-'
                   || lpad(seq::text, greatest(4, length(seq::text)), '0'),
               ledger_code, d, period, journal_type, currency,
               journal_count, total_debit_base, total_credit_base
        FROM numbered
        ORDER BY voucher_id
        RETURNING voucher_id
    )
    INSERT INTO voucher_line (voucher_id, line_no, account_code, dc_marker, t0, t1,
                              txn_amount, base_amount)
    SELECT j.voucher_id,
           row_number() OVER (
               PARTITION BY j.voucher_id
               ORDER BY g.account_code COLLATE "C", g.dc_marker COLLATE "C",
                        g.t0 COLLATE "C", g.t1 COLLATE "C"),
           g.account_code, g.dc_marker, g.t0, g.t1,
           sum(g.txn_amount), sum(g.base_amount)
    FROM gl_entries g
    JOIN journal j ON j.journal_id = g.journal_id
    JOIN new_voucher v ON v.voucher_id = j.voucher_id
    WHERE g.business_date = d
    GROUP BY j.voucher_id, g.account_code, g.dc_marker, g.t0, g.t1
    ORDER BY 1, 2;
    GET DIAGNOSTICS lines = ROW_COUNT;
    RETURN lines;
END
$$;
