SELECT r.timesheet_id, r.pay_date, r.code, r.message,
       t.kind                                 -- context
FROM payroll_error r
LEFT JOIN timesheet t ON t.timesheet_id = r.timesheet_id
WHERE r.pay_date = :business_date
