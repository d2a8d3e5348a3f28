WITH balance AS (
    SELECT j.ledger_code,
           coalesce(sum(g.base_amount) FILTER (WHERE g.dc_marker = 'D'), 0) AS debit,
           coalesce(sum(g.base_amount) FILTER (WHERE g.dc_marker = 'C'), 0) AS credit
    FROM gl_entries g
    JOIN sun_journal j ON j.journal_id = g.journal_id AND j.business_date = g.business_date
    WHERE g.business_date = :business_date
    GROUP BY j.ledger_code
), bad AS (
    SELECT ledger_code || ': debit ' || debit || ' credit ' || credit AS line
    FROM balance
    WHERE debit <> credit
)
SELECT count(*) AS violations,
       coalesce(array_to_string((array_agg(line ORDER BY line))[1:5], '; '), '') AS detail
FROM bad
