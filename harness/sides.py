"""The side API in one place: load a manifest, install it, process a date, export."""

from harness.execution import (
    PhaseTiming,
    ProcessResult,
    export_files,
    install_side,
    process_date,
    schema_exists,
)
from harness.manifest import Side, load_side

__all__ = [
    "PhaseTiming",
    "ProcessResult",
    "Side",
    "export_files",
    "install_side",
    "load_side",
    "process_date",
    "schema_exists",
]
