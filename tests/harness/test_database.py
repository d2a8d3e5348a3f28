"""The embedded server: started with the settings bulk work needs, kept across restarts."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from harness.database import SERVER_SETTINGS, connect, start_embedded, stop_embedded


def test_a_new_embedded_server_runs_with_the_harness_settings_and_keeps_them() -> None:
    home = Path(tempfile.mkdtemp(prefix="harness-test-settings-"))
    try:
        for _ in range(2):  # first start: initdb, settings written, restarted; then as written
            database = start_embedded(home)
            with connect(database.uri) as conn:
                for name, value in SERVER_SETTINGS.items():
                    assert conn.execute("SELECT current_setting(%s)", (name,)).fetchone() == (value,)
            assert database.data_dir is not None
            stop_embedded(database.data_dir)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_the_tests_server_has_them_too(server_uri: str) -> None:
    with connect(server_uri) as conn:
        assert conn.execute("SHOW wal_buffers").fetchone() == (SERVER_SETTINGS["wal_buffers"],)


def test_an_older_home_gets_the_settings_at_its_next_start() -> None:
    """Another process may hold an existing home's server: it is not restarted under it."""
    home = Path(tempfile.mkdtemp(prefix="harness-test-settings-"))
    try:
        database = start_embedded(home)
        assert database.data_dir is not None
        with connect(database.uri) as conn:
            conn.execute("ALTER SYSTEM RESET wal_buffers")  # a home from before the setting
        stop_embedded(database.data_dir)
        seen = []
        for _ in range(2):
            database = start_embedded(home)
            with connect(database.uri) as conn:
                seen.append(conn.execute("SHOW wal_buffers").fetchone())
            stop_embedded(database.data_dir)
        assert seen[0] != ("64MB",) and seen[1] == ("64MB",)
    finally:
        shutil.rmtree(home, ignore_errors=True)
