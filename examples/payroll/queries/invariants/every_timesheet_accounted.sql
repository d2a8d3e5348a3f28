-- Control total: the date's timesheet hours are all either on a payslip line or in an error.
WITH input AS (
    SELECT coalesce(sum(hours), 0) AS hours, count(*) AS rows FROM timesheet WHERE work_date = :business_date
), paid AS (
    SELECT coalesce(sum(l.hours), 0) AS hours
    FROM payslip_line l JOIN payslip p ON p.payslip_id = l.payslip_id
    WHERE p.pay_date = :business_date
), rejected AS (
    SELECT coalesce(sum(t.hours), 0) AS hours, count(*) AS rows
    FROM payroll_error r JOIN timesheet t ON t.timesheet_id = r.timesheet_id
    WHERE r.pay_date = :business_date
)
SELECT CASE WHEN input.hours = paid.hours + rejected.hours THEN 0 ELSE 1 END AS violations,
       'timesheet hours ' || input.hours || ', on lines ' || paid.hours
           || ', in errors ' || rejected.hours || ' (' || rejected.rows || ' rows)' AS detail
FROM input, paid, rejected
