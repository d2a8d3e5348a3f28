"""A scratch embedded server for one benchmark run: started in a temporary home, then
stopped and deleted, so repeated benchmarks do not leave gigabytes behind."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.database import Database, start_embedded, stop_embedded


@contextmanager
def scratch_database(dsn: str | None = None) -> Iterator[Database]:
    if dsn:
        yield Database(uri=dsn, embedded=False)
        return
    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    database = start_embedded(home)
    try:
        yield database
    finally:
        assert database.data_dir is not None
        stop_embedded(database.data_dir)
        shutil.rmtree(home, ignore_errors=True)
