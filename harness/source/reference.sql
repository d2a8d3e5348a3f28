-- Reference data every dataset shares: the ledgers, the chart of accounts and
-- the posting rules of domain.md, "GL posting". Tax rates, periods, brokers,
-- policies and FX rates are generated (harness/synthetic) or written by tests.

INSERT INTO ledger (ledger_code, name, base_currency) VALUES
    ('UK1', 'UK Insurance Ltd', 'GBP'),
    ('IE1', 'Ireland Insurance DAC', 'EUR'),
    ('US1', 'US Insurance Inc', 'USD');

INSERT INTO account (account_code, name) VALUES
    ('1000', 'Bank'),
    ('1100', 'Premium receivable'),
    ('1200', 'Reinsurance receivable'),
    ('2100', 'Commission payable'),
    ('2200', 'Reinsurance payable'),
    ('2300', 'Premium tax payable'),
    ('4000', 'Gross written premium'),
    ('5100', 'Commission expense'),
    ('5200', 'Reinsurance ceded'),
    ('6000', 'Claims paid'),
    ('6100', 'Reinsurance recoveries'),
    ('6200', 'Salvage and subrogation'),
    ('7999', 'FX rounding');

INSERT INTO posting_rule (txn_type, line_order, component, account_code, dc_marker)
SELECT t.txn_type, r.line_order, r.component, r.account_code, r.dc_marker
FROM (VALUES ('NEW_BUSINESS'), ('RENEWAL'), ('ENDORSEMENT'), ('CANCELLATION')) AS t (txn_type)
CROSS JOIN (VALUES
    (1, 'GROSS_PLUS_TAX', '1100', 'D'),
    (2, 'GROSS',          '4000', 'C'),
    (3, 'TAX',            '2300', 'C'),
    (4, 'COMMISSION',     '5100', 'D'),
    (5, 'COMMISSION',     '2100', 'C'),
    (6, 'REINSURANCE',    '5200', 'D'),
    (7, 'REINSURANCE',    '2200', 'C')
) AS r (line_order, component, account_code, dc_marker)
UNION ALL
SELECT 'CLAIM_PAYMENT', line_order, component, account_code, dc_marker
FROM (VALUES
    (1, 'GROSS',       '6000', 'D'),
    (2, 'GROSS',       '1000', 'C'),
    (3, 'REINSURANCE', '1200', 'D'),
    (4, 'REINSURANCE', '6100', 'C')
) AS r (line_order, component, account_code, dc_marker)
UNION ALL
SELECT 'CLAIM_RECOVERY', line_order, component, account_code, dc_marker
FROM (VALUES
    (1, 'GROSS', '1000', 'D'),
    (2, 'GROSS', '6200', 'C')
) AS r (line_order, component, account_code, dc_marker);
