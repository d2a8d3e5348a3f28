-- The transactions of one date the job rejected, with why.
SELECT e.txn_reference, e.error_code, e.message
FROM {journal_error} e
WHERE e.business_date = %(d)s
ORDER BY e.txn_reference COLLATE "C"
