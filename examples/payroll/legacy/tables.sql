-- The legacy payroll job's output tables.

CREATE TABLE payslip (
    payslip_id  serial PRIMARY KEY,
    employee_id integer NOT NULL,
    pay_date    date NOT NULL,
    gross       numeric(12,2) NOT NULL,
    tax         numeric(12,2) NOT NULL,
    net         numeric(12,2) NOT NULL,
    line_count  integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (employee_id, pay_date)
);

CREATE TABLE payslip_line (
    payslip_id integer NOT NULL REFERENCES payslip,
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
