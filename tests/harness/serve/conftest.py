"""One recorded run in a module's database, and an app over it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.config import Config
from tests.conftest import TestDatabase
from tests.harness.runs import config_with, run, seed_small


@dataclass(frozen=True)
class Recorded:
    db: TestDatabase
    config: Config
    doc: dict[str, Any]

    @property
    def run_id(self) -> str:
        return str(self.doc["run"]["run_id"])


@pytest.fixture(scope="module")
def recorded(module_db: TestDatabase, tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    seed_small(module_db, per_day=10)
    tmp: Path = tmp_path_factory.mktemp("serve")
    config = config_with(tmp)
    _, doc = run(module_db, config, tmp)
    return Recorded(module_db, config, doc)
