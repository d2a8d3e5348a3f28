-- The payroll job's input: three reference tables and the day's timesheets.
-- Run with search_path set to the target schema: no name here is schema-qualified.

CREATE TABLE employee (
    employee_id integer PRIMARY KEY,
    name        text NOT NULL,
    grade       text NOT NULL,
    department  text NOT NULL,
    hourly_rate numeric(10,2) NOT NULL CHECK (hourly_rate > 0),
    active      boolean NOT NULL
);

-- Progressive bands on a payslip's gross: the part of the gross between lower_bound and
-- upper_bound (NULL: no upper limit) is taxed at rate.
CREATE TABLE tax_band (
    band        text PRIMARY KEY,
    lower_bound numeric(12,2) NOT NULL,
    upper_bound numeric(12,2) NULL,
    rate        numeric(5,4) NOT NULL,
    CHECK (upper_bound IS NULL OR upper_bound > lower_bound)
);

-- Pay multiplier per kind of hours (the legacy job hard-codes the same figures).
CREATE TABLE overtime_rule (
    kind       text PRIMARY KEY,
    multiplier numeric(4,2) NOT NULL,
    sort_order integer NOT NULL UNIQUE
);

CREATE TABLE timesheet (
    timesheet_id integer PRIMARY KEY,
    employee_id  integer NOT NULL,          -- no foreign key: an unknown employee is an input error
    work_date    date NOT NULL,
    hours        numeric(5,2) NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('NORMAL', 'OVERTIME', 'HOLIDAY'))
);
CREATE INDEX timesheet_work_date ON timesheet (work_date);
