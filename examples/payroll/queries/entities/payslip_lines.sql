-- A line is identified by its payslip's business key (employee, date), never by payslip_id.
SELECT p.employee_id, p.pay_date, l.line_no, l.kind, l.hours, l.amount,
       e.department,                          -- context
       l.payslip_id                           -- ignored: surrogate id
FROM payslip_line l
JOIN payslip p ON p.payslip_id = l.payslip_id
LEFT JOIN employee e ON e.employee_id = p.employee_id
WHERE p.pay_date = :business_date
