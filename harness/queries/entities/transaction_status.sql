SELECT t.txn_reference, t.status,
       t.processed_at IS NOT NULL AS has_processed_at,   -- the time itself differs by nature
       t.txn_type, p.ledger_code AS ledger,              -- context
       t.processed_at
FROM insurance_transaction t
LEFT JOIN policy p ON p.policy_id = t.policy_id
WHERE t.business_date = :business_date
