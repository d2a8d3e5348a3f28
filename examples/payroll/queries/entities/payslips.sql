SELECT p.employee_id, p.pay_date, p.gross, p.tax, p.net, p.line_count,
       e.department,                          -- context
       p.payslip_id, p.created_at             -- ignored: surrogate id, timestamp
FROM payslip p
LEFT JOIN employee e ON e.employee_id = p.employee_id
WHERE p.pay_date = :business_date
