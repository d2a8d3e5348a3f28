"""Fixtures: hand-built run documents (see tests/reports/documents.py for their contents)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reports.documents import BUILDERS, document

KINDS = list(BUILDERS)


@pytest.fixture
def not_ready_doc() -> dict[str, Any]:
    """2 dates x 7 entities: 12 MATCH, 1 ACCEPTED (journals, JSON escaping), 1 MISMATCH
    (gl_entries on 2024-03-02, with patterns and samples), a stale and an expired accepted
    difference, one broken candidate invariant. NOT READY."""
    return document("not-ready")


@pytest.fixture
def ready_doc() -> dict[str, Any]:
    """2 dates x 7 entities: 13 MATCH, 1 ACCEPTED, every invariant holds. READY."""
    return document("ready")


@pytest.fixture
def failed_doc() -> dict[str, Any]:
    """Interrupted run: candidate failed on 2024-03-02 (7 FAILED), 2024-03-03 never run. NOT READY."""
    return document("failed")


@pytest.fixture(params=KINDS)
def any_doc(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each of the documents above in turn."""
    return document(request.param)
