SELECT e.txn_reference, e.business_date, e.error_code, e.message,
       t.txn_type, p.ledger_code AS ledger,        -- context
       e.error_id, e.created_at
FROM journal_error e
LEFT JOIN insurance_transaction t ON t.txn_reference = e.txn_reference
LEFT JOIN policy p ON p.policy_id = t.policy_id
WHERE e.business_date = :business_date
