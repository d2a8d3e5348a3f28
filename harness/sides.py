"""The side API in one place: load a manifest, install it, process a date, export.

These run a side on the caller's own connection (``harness process``, tests, benchmarks);
a parallel run executes sides sealed, through harness.side_execution.
"""

from harness.execution import (
    Hooks,
    PhaseTiming,
    ProcessResult,
    export_files,
    install_into_schema,
    install_side,
    process_date,
    schema_exists,
)
from harness.manifest import Side, load_side

__all__ = [
    "Hooks",
    "PhaseTiming",
    "ProcessResult",
    "Side",
    "export_files",
    "install_into_schema",
    "install_side",
    "load_side",
    "process_date",
    "schema_exists",
]
