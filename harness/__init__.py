"""The parallel-run harness: runs two SQL implementations of a journal job side by side."""

__version__ = "0.1.0"
