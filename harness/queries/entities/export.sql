SELECT * FROM harness_export_rows
