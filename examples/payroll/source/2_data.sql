-- The payroll job's input for 2025-01-06 .. 2025-01-10 (Monday to Friday). Deterministic:
-- the bulk rows follow fixed arithmetic on the employee and the day, the edge cases are listed.
-- Run with search_path set to the target schema, after schema.sql.

INSERT INTO employee (employee_id, name, grade, department, hourly_rate, active) VALUES
    (1, 'Ada Novak', 'G2', 'Kitchen', 26.13, true),
    (2, 'Ben Okafor', 'G3', 'Front desk', 17.26, true),
    (3, 'Cleo Lindqvist', 'G4', 'Maintenance', 31.39, true),
    (4, 'Dev Patel', 'G1', 'Warehouse', 22.52, true),
    (5, 'Elif Yilmaz', 'G2', 'Kitchen', 13.65, true),
    (6, 'Farid Haddad', 'G3', 'Front desk', 27.78, true),
    (7, 'Greta Berg', 'G4', 'Maintenance', 18.91, true),
    (8, 'Hugo Moreau', 'G1', 'Warehouse', 32.04, true),
    (9, 'Ines Silva', 'G2', 'Kitchen', 23.17, true),
    (10, 'Jonas Weber', 'G3', 'Front desk', 14.30, true),
    (11, 'Kira Tanaka', 'G4', 'Maintenance', 28.43, true),
    (12, 'Luis Garcia', 'G1', 'Warehouse', 19.56, true),
    (13, 'Maya Cohen', 'G2', 'Kitchen', 33.69, true),
    (14, 'Nils Jensen', 'G3', 'Front desk', 24.82, true),
    (15, 'Olga Ivanova', 'G4', 'Maintenance', 15.95, true),
    (16, 'Pavel Horak', 'G1', 'Warehouse', 29.08, true),
    (17, 'Quinn Murphy', 'G2', 'Kitchen', 20.21, true),
    (18, 'Rosa Costa', 'G3', 'Front desk', 34.34, true),
    (19, 'Sami Nieminen', 'G4', 'Maintenance', 25.47, true),
    (20, 'Tara Singh', 'G1', 'Warehouse', 16.60, true),
    (21, 'Umar Rahman', 'G2', 'Kitchen', 30.73, true),
    (22, 'Vera Kovacs', 'G3', 'Front desk', 21.86, true),
    (23, 'Wim de Vries', 'G4', 'Maintenance', 12.99, true),
    (24, 'Xenia Popescu', 'G1', 'Warehouse', 26.12, true),
    (25, 'Yusuf Demir', 'G2', 'Kitchen', 17.25, true),
    (26, 'Zoe Walsh', 'G3', 'Front desk', 31.38, true),
    (27, 'Anton Richter', 'G4', 'Maintenance', 22.51, true),
    (28, 'Bea Dubois', 'G1', 'Warehouse', 13.64, true),
    (29, 'Carlo Rossi', 'G2', 'Kitchen', 27.77, true),
    (30, 'Dana Ahmed', 'G3', 'Front desk', 18.90, true),
    (31, 'Ruth O''Neill', 'G2', 'Kitchen', 14.20, false),   -- has left: her hours are errors
    (32, 'Stan Brook', 'G1', 'Warehouse', 12.50, true),     -- 8 h = 100.00: exactly the top of band A
    (33, 'Hana Lopez', 'G2', 'Front desk', 15.30, true),    -- 7.25 h = 110.925: rounds half up to 110.93
    (34, 'Theo Marsh', 'G4', 'Maintenance', 25.00, true),   -- 10 h = 250.00: exactly the top of band B
    (35, 'Iris Kemp', 'G3', 'Kitchen', 18.49, true),        -- 6 h = 110.94: tax 2.735 rounds half up to 2.74
    (36, 'Omar Reyes', 'G1', 'Warehouse', 13.10, true);     -- only a zero-hour row: no payslip

INSERT INTO tax_band (band, lower_bound, upper_bound, rate) VALUES
    ('A', 0.00, 100.00, 0.0000),
    ('B', 100.00, 250.00, 0.2500),
    ('C', 250.00, NULL, 0.4000);

INSERT INTO overtime_rule (kind, multiplier, sort_order) VALUES
    ('NORMAL', 1.00, 1),
    ('OVERTIME', 1.50, 2),
    ('HOLIDAY', 2.00, 3);

-- Employees 1..30, every day: a NORMAL row of 6.00 to 8.00 hours; OVERTIME of 1.00 to 2.00
-- hours for about one in four; 8 HOLIDAY hours for two or three. Ids: day * 1000 + employee * 10 + n.
INSERT INTO timesheet (timesheet_id, employee_id, work_date, hours, kind)
SELECT (d.k + 1) * 1000 + e * 10 + 1, e, d.work_date, 6 + ((e * 3 + d.k * 5) % 9) * 0.25, 'NORMAL'
FROM generate_series(1, 30) AS e,
     (SELECT day::date AS work_date, (day::date - date '2025-01-06') AS k
      FROM generate_series(date '2025-01-06', date '2025-01-10', interval '1 day') AS day) AS d
UNION ALL
SELECT (d.k + 1) * 1000 + e * 10 + 2, e, d.work_date, 1 + ((e + d.k) % 3) * 0.5, 'OVERTIME'
FROM generate_series(1, 30) AS e,
     (SELECT day::date AS work_date, (day::date - date '2025-01-06') AS k
      FROM generate_series(date '2025-01-06', date '2025-01-10', interval '1 day') AS day) AS d
WHERE (e + d.k) % 4 = 0
UNION ALL
SELECT (d.k + 1) * 1000 + e * 10 + 3, e, d.work_date, 8, 'HOLIDAY'
FROM generate_series(1, 30) AS e,
     (SELECT day::date AS work_date, (day::date - date '2025-01-06') AS k
      FROM generate_series(date '2025-01-06', date '2025-01-10', interval '1 day') AS day) AS d
WHERE (e * 7 + d.k) % 11 = 0;

-- Every day: the boundary and rounding cases (employees 32..35), an unknown employee (999),
-- the inactive employee (31), and a zero-hour OVERTIME row of one of employees 1..30.
INSERT INTO timesheet (timesheet_id, employee_id, work_date, hours, kind)
SELECT (d.k + 1) * 1000 + 900 + c.n, coalesce(c.employee_id, 1 + (d.k * 7) % 30), d.work_date, c.hours, c.kind
FROM (SELECT day::date AS work_date, (day::date - date '2025-01-06') AS k
      FROM generate_series(date '2025-01-06', date '2025-01-10', interval '1 day') AS day) AS d,
     (VALUES (1, 32, 8.00, 'NORMAL'),
             (2, 33, 7.25, 'NORMAL'),
             (3, 34, 10.00, 'NORMAL'),
             (4, 35, 6.00, 'NORMAL'),
             (5, 999, 2.00, 'OVERTIME'),
             (6, 31, 7.50, 'NORMAL'),
             (7, NULL, 0.00, 'OVERTIME')) AS c (n, employee_id, hours, kind);

-- One-off rows.
INSERT INTO timesheet (timesheet_id, employee_id, work_date, hours, kind) VALUES
    (3951, 36, date '2025-01-08', 0.00, 'NORMAL'),    -- employee 36's only row: an error, no payslip
    (3952, 12, date '2025-01-08', -2.00, 'NORMAL'),   -- a negative correction: an error
    (4951, 5, date '2025-01-09', 2.50, 'NORMAL'),     -- a second NORMAL row: one line of 2 rows' hours
    (5951, 34, date '2025-01-10', 1.00, 'OVERTIME');  -- band C: 250.00 + 37.50 overtime
