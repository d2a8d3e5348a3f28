"""The report's Whole books section (harness.books): what the final comparison found."""

from __future__ import annotations

from typing import Any

from reports.summary import comparison_details, comparison_summary


def books_view(doc: dict[str, Any]) -> dict[str, Any]:
    """The Whole books section: one row per entity compared over all its rows after the last date."""
    books = doc.get("books", [])
    compared = {b["entity"] for b in books}
    unfinished = doc["run"]["status"] != "completed"
    return {
        "as_of": books[0]["business_date"] if books else None,
        "rows": [
            {
                "entity": b["entity"],
                "verdict": b["verdict"],
                "summary": comparison_summary(b),
                "details": [] if b["verdict"] in ("MATCH", "ACCEPTED") else comparison_details(b),
            }
            for b in books
        ],
        "per_date_only": [e for e in doc["entities"] if e not in compared],
        "missing": "the run did not finish." if unfinished else "no entity's query filters its date.",
    }
