-- The size and sign of each transaction's gross amount, extremes apart.
SELECT CASE
           WHEN t.gross_amount = 0 THEN 'zero'
           WHEN abs(t.gross_amount) = 0.01 THEN 'one minor unit'
           WHEN abs(t.gross_amount) >= 1000000000 THEN 'extreme: 1,000,000,000 or more'
           WHEN t.gross_amount < 0 THEN 'negative'
           ELSE 'positive'
       END AS cell,
       t.txn_reference AS unit
FROM insurance_transaction AS t
WHERE t.business_date = :business_date
