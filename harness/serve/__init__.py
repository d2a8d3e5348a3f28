"""``harness serve``: a small read-only web app over the ledger (runs, reports, gates, metrics)."""

from __future__ import annotations

from harness.serve.app import create_app

__all__ = ["create_app"]
