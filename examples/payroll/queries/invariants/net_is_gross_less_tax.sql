SELECT count(*) AS violations,
       coalesce(array_to_string((array_agg(employee_id ORDER BY employee_id))[1:5], ', '), '') AS detail
FROM payslip
WHERE pay_date = :business_date
  AND net IS DISTINCT FROM gross - tax
