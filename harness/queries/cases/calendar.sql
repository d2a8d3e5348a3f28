-- Where the date falls in its month: periods close and open at month end.
SELECT CASE
           WHEN t.business_date = CAST(date_trunc('month', t.business_date) + INTERVAL '1 month' AS date) - 1
               THEN 'month end'
           WHEN t.business_date = CAST(date_trunc('month', t.business_date) AS date) THEN 'first of the month'
           ELSE 'within the month'
       END AS cell,
       t.txn_reference AS unit
FROM insurance_transaction AS t
WHERE t.business_date = :business_date
