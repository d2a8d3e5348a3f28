-- The rejection each transaction earns under the domain's rules, checked in their order
-- (docs/domain.md, "Validation"), or 'accepted'.
SELECT CASE
           WHEN p.policy_id IS NULL THEN 'NO_POLICY'
           WHEN t.txn_type NOT IN (
               'NEW_BUSINESS', 'RENEWAL', 'ENDORSEMENT', 'CANCELLATION', 'CLAIM_PAYMENT', 'CLAIM_RECOVERY'
           ) THEN 'UNKNOWN_TXN_TYPE'
           WHEN NOT EXISTS (
               SELECT 1 FROM accounting_period AS a
               WHERE a.ledger_code = p.ledger_code AND a.status = 'OPEN'
                 AND :business_date BETWEEN a.start_date AND a.end_date
           ) THEN 'PERIOD_CLOSED'
           WHEN t.currency <> l.base_currency AND NOT EXISTS (
               SELECT 1 FROM fx_rate AS f
               WHERE f.from_currency = t.currency AND f.to_currency = l.base_currency
                 AND f.rate_date BETWEEN :business_date - 7 AND :business_date
           ) THEN 'NO_FX_RATE'
           WHEN t.gross_amount = 0 THEN 'ZERO_AMOUNT'
           ELSE 'accepted'
       END AS cell,
       t.txn_reference AS unit
FROM insurance_transaction AS t
LEFT JOIN policy AS p ON p.policy_id = t.policy_id
LEFT JOIN ledger AS l ON l.ledger_code = p.ledger_code
WHERE t.business_date = :business_date
