-- Text that JSON must escape: a double quote or backslash in the policyholder's name or
-- the description (the legacy job's known defect, docs/domain.md).
SELECT CASE
           WHEN strpos(p.policyholder_name || t.description, '"') > 0
             OR strpos(p.policyholder_name || t.description, chr(92)) > 0 THEN 'quote or backslash'
           ELSE 'plain text'
       END AS cell,
       t.txn_reference AS unit
FROM insurance_transaction AS t
JOIN policy AS p ON p.policy_id = t.policy_id
WHERE t.business_date = :business_date
