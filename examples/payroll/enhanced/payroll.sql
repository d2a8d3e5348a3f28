-- The set-based payroll job: one INSERT ... SELECT per phase, each returning the rows it wrote.
-- Same rules as the legacy job (see its run_payroll.sql); the multipliers come from
-- overtime_rule, the line order from its sort_order.

-- Phase "stage": the date's invalid timesheets into payroll_error, the valid ones priced
-- into pay_stage, one row per employee and kind.
CREATE OR REPLACE FUNCTION payroll_stage(p_date date) RETURNS bigint
LANGUAGE sql AS $$
    WITH errors AS (
        INSERT INTO payroll_error (timesheet_id, pay_date, code, message)
        SELECT t.timesheet_id, t.work_date,
               CASE WHEN e.employee_id IS NULL THEN 'UNKNOWN_EMPLOYEE'
                    WHEN NOT e.active THEN 'INACTIVE_EMPLOYEE'
                    ELSE 'NO_HOURS' END,
               CASE WHEN e.employee_id IS NULL THEN 'employee ' || t.employee_id || ' not found'
                    WHEN NOT e.active THEN 'employee ' || t.employee_id || ' is inactive'
                    ELSE 'hours must be positive, got ' || t.hours END
        FROM timesheet t
        LEFT JOIN employee e ON e.employee_id = t.employee_id
        WHERE t.work_date = p_date
          AND (e.employee_id IS NULL OR NOT e.active OR t.hours <= 0)
        RETURNING 1
    ), priced AS (
        INSERT INTO pay_stage (pay_date, employee_id, line_no, kind, hours, amount)
        SELECT p_date, t.employee_id,
               row_number() OVER (PARTITION BY t.employee_id ORDER BY r.sort_order),
               t.kind, sum(t.hours), round(sum(t.hours) * e.hourly_rate * r.multiplier, 2)
        FROM timesheet t
        JOIN employee e ON e.employee_id = t.employee_id
        JOIN overtime_rule r ON r.kind = t.kind
        WHERE t.work_date = p_date AND e.active AND t.hours > 0
        GROUP BY t.employee_id, t.kind, e.hourly_rate, r.multiplier, r.sort_order
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM errors) + (SELECT count(*) FROM priced)
$$;

-- Phase "payslips": one payslip per employee with staged lines, taxed over the bands.
CREATE OR REPLACE FUNCTION payroll_payslips(p_date date) RETURNS bigint
LANGUAGE sql AS $$
    WITH totals AS (
        SELECT employee_id, sum(amount) AS gross, count(*) AS line_count
        FROM pay_stage
        WHERE pay_date = p_date
        GROUP BY employee_id
    ), taxed AS (
        SELECT s.employee_id, s.gross, s.line_count,
               round(coalesce(sum((least(s.gross, coalesce(b.upper_bound, s.gross)) - b.lower_bound) * b.rate), 0), 2) AS tax
        FROM totals s
        LEFT JOIN tax_band b ON b.lower_bound < s.gross
        GROUP BY s.employee_id, s.gross, s.line_count
    ), written AS (
        INSERT INTO payslip (employee_id, pay_date, gross, tax, net, line_count)
        SELECT employee_id, p_date, gross, tax, gross - tax, line_count
        FROM taxed
        ORDER BY employee_id
        RETURNING 1
    )
    SELECT count(*) FROM written
$$;

-- Phase "lines": the staged lines under their payslips.
CREATE OR REPLACE FUNCTION payroll_lines(p_date date) RETURNS bigint
LANGUAGE sql AS $$
    WITH written AS (
        INSERT INTO payslip_line (payslip_id, line_no, kind, hours, amount)
        SELECT p.payslip_id, s.line_no, s.kind, s.hours, s.amount
        FROM pay_stage s
        JOIN payslip p ON p.employee_id = s.employee_id AND p.pay_date = s.pay_date
        WHERE s.pay_date = p_date
        RETURNING 1
    )
    SELECT count(*) FROM written
$$;
