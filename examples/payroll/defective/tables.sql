-- The set-based payroll job's tables: the same output as the legacy job, plus a staging
-- table holding the priced lines of each date between the phases.

CREATE TABLE payslip (
    payslip_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id integer NOT NULL,
    pay_date    date NOT NULL,
    gross       numeric(12,2) NOT NULL,
    tax         numeric(12,2) NOT NULL,
    net         numeric(12,2) NOT NULL,
    line_count  integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (employee_id, pay_date)
);
CREATE INDEX payslip_pay_date ON payslip (pay_date);

CREATE TABLE payslip_line (
    payslip_id bigint NOT NULL REFERENCES payslip,
    line_no    integer NOT NULL,
    kind       text NOT NULL,
    hours      numeric(7,2) NOT NULL,
    amount     numeric(12,2) NOT NULL,
    PRIMARY KEY (payslip_id, line_no)
);

CREATE TABLE payroll_error (
    timesheet_id integer NOT NULL,
    pay_date     date NOT NULL,
    code         text NOT NULL,
    message      text NOT NULL
);
CREATE INDEX payroll_error_pay_date ON payroll_error (pay_date);

CREATE TABLE pay_stage (
    pay_date    date NOT NULL,
    employee_id integer NOT NULL,
    line_no     integer NOT NULL,
    kind        text NOT NULL,
    hours       numeric(7,2) NOT NULL,
    amount      numeric(12,2) NOT NULL,
    PRIMARY KEY (pay_date, employee_id, line_no)
);
