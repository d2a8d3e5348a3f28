WITH lines AS (
    SELECT payslip_id, sum(amount) AS amount, count(*) AS line_count
    FROM payslip_line
    GROUP BY payslip_id
)
SELECT count(*) AS violations,
       coalesce(array_to_string((array_agg(p.employee_id ORDER BY p.employee_id))[1:5], ', '), '') AS detail
FROM payslip p
LEFT JOIN lines l ON l.payslip_id = p.payslip_id
WHERE p.pay_date = :business_date
  AND (p.gross IS DISTINCT FROM coalesce(l.amount, 0) OR p.line_count IS DISTINCT FROM coalesce(l.line_count, 0))
