-- Where a premium transaction's commission rate comes from: the transaction's own, its
-- policy's broker, or none for direct business.
SELECT CASE
           WHEN t.commission_rate IS NOT NULL THEN 'transaction rate'
           WHEN p.broker_id IS NOT NULL THEN 'broker rate'
           ELSE 'direct business'
       END AS cell,
       t.txn_reference AS unit
FROM insurance_transaction AS t
JOIN policy AS p ON p.policy_id = t.policy_id
WHERE t.business_date = :business_date
  AND t.txn_type IN ('NEW_BUSINESS', 'RENEWAL', 'ENDORSEMENT', 'CANCELLATION')
