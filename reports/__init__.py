"""Renderers of the run document: HTML, JSON, JUnit XML, CSV and Prometheus metrics.

The run document (docs/run-document.md, schema in run-document.schema.json) is plain data;
this package imports nothing of `harness`.
"""

from __future__ import annotations

from reports.csvs import render_mismatch_csvs
from reports.errors import InvalidRunDocument, ReportError
from reports.html import render_html
from reports.junit import render_junit
from reports.metrics import render_metrics
from reports.schema import SCHEMA_VERSION, load_schema, validate_document
from reports.writer import ReportFiles, render_json, write_reports

__all__ = [
    "SCHEMA_VERSION",
    "InvalidRunDocument",
    "ReportError",
    "ReportFiles",
    "load_schema",
    "render_html",
    "render_json",
    "render_junit",
    "render_metrics",
    "render_mismatch_csvs",
    "validate_document",
    "write_reports",
]
