WITH txn AS (
    SELECT count(*) FILTER (WHERE status = 'PROCESSED') AS processed,
           count(*) FILTER (WHERE status = 'ERROR') AS rejected,
           count(*) FILTER (WHERE status NOT IN ('PROCESSED', 'ERROR')) AS unprocessed
    FROM insurance_transaction WHERE business_date = :business_date
), jnl AS (
    SELECT count(*) AS journals, coalesce(sum(total_debit_base), 0) AS debit,
           coalesce(sum(line_count), 0) AS lines,
           count(*) FILTER (WHERE voucher_id IS NULL) AS unvouchered
    FROM sun_journal WHERE business_date = :business_date
), gl AS (
    SELECT count(*) AS lines, coalesce(sum(base_amount) FILTER (WHERE dc_marker = 'D'), 0) AS debit
    FROM gl_entries WHERE business_date = :business_date
), vch AS (
    SELECT coalesce(sum(journal_count), 0) AS journals, coalesce(sum(total_debit_base), 0) AS debit
    FROM voucher WHERE business_date = :business_date
), err AS (
    SELECT count(*) AS errors FROM journal_error WHERE business_date = :business_date
), checks AS (
    SELECT c.message, c.ok
    FROM txn, jnl, gl, vch, err, LATERAL (VALUES
        ('processed transactions ' || txn.processed || ' <> journals ' || jnl.journals, txn.processed = jnl.journals),
        ('rejected transactions ' || txn.rejected || ' <> journal errors ' || err.errors, txn.rejected = err.errors),
        ('transactions left unprocessed: ' || txn.unprocessed, txn.unprocessed = 0),
        ('journal debit ' || jnl.debit || ' <> GL debit ' || gl.debit, jnl.debit = gl.debit),
        ('journal line counts ' || jnl.lines || ' <> GL lines ' || gl.lines, jnl.lines = gl.lines),
        ('journals ' || jnl.journals || ' <> voucher journal counts ' || vch.journals, jnl.journals = vch.journals),
        ('journal debit ' || jnl.debit || ' <> voucher debit ' || vch.debit, jnl.debit = vch.debit),
        ('journals without a voucher: ' || jnl.unvouchered, jnl.unvouchered = 0)
    ) AS c (message, ok)
)
SELECT count(*) FILTER (WHERE NOT ok) AS violations,
       coalesce(string_agg(message, '; ') FILTER (WHERE NOT ok), '') AS detail
FROM checks
