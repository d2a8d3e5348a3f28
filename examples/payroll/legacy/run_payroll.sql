-- The legacy payroll job: one function, row by row. For each timesheet of the date (by
-- employee, then kind, then id) it checks the employee and the hours, finds or creates the
-- employee's payslip and the line of that kind, and re-prices the line. A second loop then
-- totals each payslip of the date and taxes it band by band. Nothing in the input is changed.
--
-- Rules (the rewrite follows them too):
--   line amount = round(sum of the kind's hours * hourly_rate * multiplier, 2),
--                 multiplier NORMAL 1, OVERTIME 1.5, HOLIDAY 2; one line per kind present,
--                 line_no from 1 in the order NORMAL, OVERTIME, HOLIDAY;
--   gross = sum of the line amounts; tax = round(sum over the bands of
--           (least(gross, upper_bound) - lower_bound) * rate for bands with lower_bound < gross, 2);
--   net = gross - tax.
--   Errors, first that applies: UNKNOWN_EMPLOYEE 'employee <id> not found',
--   INACTIVE_EMPLOYEE 'employee <id> is inactive', NO_HOURS 'hours must be positive, got <hours>'.

CREATE OR REPLACE FUNCTION run_payroll(p_date date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    ts           record;
    emp          record;
    band         record;
    slip         record;
    v_multiplier numeric;
    v_payslip_id integer;
    v_line_no    integer;
    v_gross      numeric;
    v_lines      integer;
    v_tax        numeric;
    v_read       integer := 0;
    v_errors     integer := 0;
    v_payslips   integer := 0;
BEGIN
    FOR ts IN
        SELECT *
        FROM timesheet
        WHERE work_date = p_date
        ORDER BY employee_id,
                 CASE kind WHEN 'NORMAL' THEN 1 WHEN 'OVERTIME' THEN 2 ELSE 3 END,
                 timesheet_id
    LOOP
        v_read := v_read + 1;

        SELECT * INTO emp FROM employee WHERE employee_id = ts.employee_id;
        IF NOT FOUND THEN
            INSERT INTO payroll_error (timesheet_id, pay_date, code, message)
            VALUES (ts.timesheet_id, p_date, 'UNKNOWN_EMPLOYEE', 'employee ' || ts.employee_id || ' not found');
            v_errors := v_errors + 1;
            CONTINUE;
        END IF;
        IF NOT emp.active THEN
            INSERT INTO payroll_error (timesheet_id, pay_date, code, message)
            VALUES (ts.timesheet_id, p_date, 'INACTIVE_EMPLOYEE', 'employee ' || ts.employee_id || ' is inactive');
            v_errors := v_errors + 1;
            CONTINUE;
        END IF;
        IF ts.hours <= 0 THEN
            INSERT INTO payroll_error (timesheet_id, pay_date, code, message)
            VALUES (ts.timesheet_id, p_date, 'NO_HOURS', 'hours must be positive, got ' || ts.hours);
            v_errors := v_errors + 1;
            CONTINUE;
        END IF;

        IF ts.kind = 'NORMAL' THEN
            v_multiplier := 1;
        ELSIF ts.kind = 'OVERTIME' THEN
            v_multiplier := 1.5;
        ELSE
            v_multiplier := 2;
        END IF;

        SELECT payslip_id INTO v_payslip_id
        FROM payslip WHERE employee_id = ts.employee_id AND pay_date = p_date;
        IF NOT FOUND THEN
            INSERT INTO payslip (employee_id, pay_date, gross, tax, net, line_count)
            VALUES (ts.employee_id, p_date, 0, 0, 0, 0)
            RETURNING payslip_id INTO v_payslip_id;
        END IF;

        SELECT line_no INTO v_line_no
        FROM payslip_line WHERE payslip_id = v_payslip_id AND kind = ts.kind;
        IF NOT FOUND THEN
            SELECT coalesce(max(line_no), 0) + 1 INTO v_line_no
            FROM payslip_line WHERE payslip_id = v_payslip_id;
            INSERT INTO payslip_line (payslip_id, line_no, kind, hours, amount)
            VALUES (v_payslip_id, v_line_no, ts.kind, ts.hours, 0);
        ELSE
            UPDATE payslip_line SET hours = hours + ts.hours
            WHERE payslip_id = v_payslip_id AND line_no = v_line_no;
        END IF;

        UPDATE payslip_line SET amount = round(hours * emp.hourly_rate * v_multiplier, 2)
        WHERE payslip_id = v_payslip_id AND line_no = v_line_no;
    END LOOP;

    FOR slip IN SELECT payslip_id FROM payslip WHERE pay_date = p_date ORDER BY payslip_id LOOP
        SELECT sum(amount), count(*) INTO v_gross, v_lines
        FROM payslip_line WHERE payslip_id = slip.payslip_id;

        v_tax := 0;
        FOR band IN SELECT * FROM tax_band ORDER BY lower_bound LOOP
            EXIT WHEN v_gross <= band.lower_bound;
            v_tax := v_tax + (least(v_gross, coalesce(band.upper_bound, v_gross)) - band.lower_bound) * band.rate;
        END LOOP;
        v_tax := round(v_tax, 2);

        UPDATE payslip
        SET gross = v_gross, tax = v_tax, net = v_gross - v_tax, line_count = v_lines
        WHERE payslip_id = slip.payslip_id;
        v_payslips := v_payslips + 1;
    END LOOP;

    RETURN p_date || ': ' || v_read || ' timesheets read, ' || v_payslips || ' payslips, '
        || v_errors || ' errors';
END
$$;
