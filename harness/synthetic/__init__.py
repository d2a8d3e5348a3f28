"""Deterministic synthetic data for the source schema (``harness seed``)."""
