import pytest

from tests.conftest import TestDatabase
from tests.helpers import invoke


def test_db_info_reports_version_and_psql(capsys: pytest.CaptureFixture[str], clean_db: TestDatabase) -> None:
    result = invoke(capsys, "db", "info", "--dsn", clean_db.uri)
    assert result.code == 0
    lines = dict(line.split(":", 1) for line in result.out.splitlines())
    assert lines["server"].strip().startswith("PostgreSQL ")
    assert lines["database"].strip() == clean_db.name
    assert lines["psql"].strip().startswith("psql '")
