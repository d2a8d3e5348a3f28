-- The journals of one date in the books, per ledger and journal type.
SELECT j.ledger_code, j.journal_type, count(*) AS journals, sum(j.total_debit_base) AS debit_base
FROM {sun_journal} j
WHERE j.business_date = %(d)s
GROUP BY j.ledger_code, j.journal_type
ORDER BY j.ledger_code, j.journal_type
