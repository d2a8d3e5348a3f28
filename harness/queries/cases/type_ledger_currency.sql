-- Each transaction by its type, its policy's ledger and its currency.
SELECT t.txn_type || ' / ' || coalesce(p.ledger_code, 'no policy') || ' / ' || t.currency AS cell,
       t.txn_reference AS unit
FROM insurance_transaction AS t
LEFT JOIN policy AS p ON p.policy_id = t.policy_id
WHERE t.business_date = :business_date
