WITH lines AS (
    SELECT journal_id,
           coalesce(sum(base_amount) FILTER (WHERE dc_marker = 'D'), 0) AS debit,
           coalesce(sum(base_amount) FILTER (WHERE dc_marker = 'C'), 0) AS credit,
           count(*) AS line_count
    FROM gl_entries
    WHERE business_date = :business_date
    GROUP BY journal_id
), bad AS (
    SELECT j.txn_reference
    FROM sun_journal j
    LEFT JOIN lines l ON l.journal_id = j.journal_id
    WHERE j.business_date = :business_date
      AND NOT (coalesce(l.debit, 0) = coalesce(l.credit, 0)
               AND coalesce(l.debit, 0) = j.total_debit_base
               AND j.total_debit_base = j.total_credit_base
               AND coalesce(l.line_count, 0) = j.line_count)
)
SELECT count(*) AS violations,
       coalesce(array_to_string((array_agg(txn_reference ORDER BY txn_reference))[1:5], ', '), '') AS detail
FROM bad
