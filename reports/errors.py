"""Errors raised by the report renderers."""

from __future__ import annotations


class ReportError(Exception):
    """Root of the errors the reports package raises."""


class InvalidRunDocument(ReportError):
    """The run document does not follow reports/run-document.schema.json."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        shown = "\n  ".join(errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"the run document is invalid ({len(errors)} errors):\n  {shown}{more}")
