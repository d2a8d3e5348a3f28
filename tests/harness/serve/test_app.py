"""harness serve's pages, through Starlette's test client, over a real ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

import reports
from harness.cutover.night import books_schema
from harness.serve import create_app
from tests.conftest import TestDatabase
from tests.harness.serve.conftest import Recorded


@pytest.fixture(scope="module")
def client(recorded: Recorded) -> Iterator[TestClient]:
    with TestClient(create_app(recorded.db.as_database(), recorded.config)) as test_client:
        yield test_client


def test_runs_lists_the_run_with_a_link(client: TestClient, recorded: Recorded) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'href="/runs/{recorded.run_id}"' in response.text
    assert recorded.doc["verdict"]["label"] in response.text
    assert "2024-03-01..2024-03-03" in response.text


def test_runs_filter_by_verdict(client: TestClient, recorded: Recorded) -> None:
    label = recorded.doc["verdict"]["label"]
    other = "INCOMPLETE" if label != "INCOMPLETE" else "READY"
    assert recorded.run_id in client.get("/", params={"verdict": label}).text
    filtered = client.get("/", params={"verdict": other})
    assert filtered.status_code == 200
    assert recorded.run_id not in filtered.text
    assert "No runs match the filter" in filtered.text


def test_runs_filter_by_pair(client: TestClient, recorded: Recorded) -> None:
    candidate = recorded.doc["sides"]["candidate"]
    assert recorded.run_id in client.get("/", params={"pair": candidate["side"]}).text
    assert recorded.run_id in client.get("/", params={"pair": candidate["sql_sha256"][:12]}).text
    other = client.get("/", params={"pair": "<b>nobody</b>"})
    assert other.status_code == 200
    assert recorded.run_id not in other.text
    assert "&lt;b&gt;nobody&lt;/b&gt;" in other.text and "<b>nobody" not in other.text


def test_run_page_is_the_report(client: TestClient, recorded: Recorded) -> None:
    response = client.get(f"/runs/{recorded.run_id}")
    assert response.status_code == 200
    assert response.text == reports.render_html(recorded.doc)


def test_run_json_is_the_run_document(client: TestClient, recorded: Recorded) -> None:
    response = client.get(f"/runs/{recorded.run_id}.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == json.loads(reports.render_json(recorded.doc))


def test_unknown_run_is_404_escaped(client: TestClient) -> None:
    for path in ("/runs/%3Cscript%3Ex", "/runs/%3Cscript%3Ex.json"):
        response = client.get(path)
        assert response.status_code == 404
        assert "no run" in response.text
        assert "<script>" not in response.text and "&lt;script&gt;" in response.text
    assert client.get("/nothing/here").status_code == 404


def test_gate_shows_both_phases(client: TestClient, recorded: Recorded) -> None:
    response = client.get("/gate")
    assert response.status_code == 200
    text = response.text
    assert "Parallel run" in text and "Decommission" in text
    assert f"{recorded.doc['sides']['candidate']['sql_sha256'][:12]}" in text
    assert f"books: {books_schema(recorded.config)}; 0 published cutover date(s)" in text
    assert "PASS" in text or "FAIL" in text
    assert "NOT READY" in text  # no cutover date is published: decommission cannot be ready


def test_metrics_parse(client: TestClient, recorded: Recorded) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    assert "harness_ready" in families
    info = families["harness_run_info"].samples[0]
    assert info.labels["run_id"] == recorded.run_id


def test_health_names_the_head(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.text.startswith("ok seq=")
    assert int(response.text.split("seq=")[1].split()[0]) > 0


def test_security_headers(client: TestClient) -> None:
    response = client.get("/")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_broken_chain_is_refused_everywhere(client: TestClient, recorded: Recorded) -> None:
    db = recorded.db
    with db.connect() as conn:
        row = conn.execute("SELECT body FROM harness.entry WHERE seq = 2").fetchone()
    assert row is not None
    _superuser(db, "UPDATE harness.entry SET body = body || ' ' WHERE seq = 2")
    try:
        for path in ("/", f"/runs/{recorded.run_id}", f"/runs/{recorded.run_id}.json", "/gate", "/metrics"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert "hash chain is broken at entry 2" in response.text, path
        health = client.get("/health")
        assert health.status_code == 503
        assert health.text.startswith("ledger broken at entry 2")
    finally:
        _superuser(db, "UPDATE harness.entry SET body = %s WHERE seq = 2", row[0])
    assert client.get("/health").status_code == 200


def test_empty_ledger(db: TestDatabase, recorded: Recorded) -> None:
    with TestClient(create_app(db.as_database(), recorded.config)) as empty:
        assert empty.get("/").status_code == 200
        assert "No runs" in empty.get("/").text
        assert empty.get("/health").text == "ok seq=0 entries=0\n"
        assert empty.get("/metrics").status_code == 404
        assert empty.get("/gate").status_code == 200


def _superuser(db: TestDatabase, statement: str, *params: object) -> None:
    """What only the owner can do: write past the triggers that forbid UPDATE."""
    with db.connect() as conn, conn.transaction():
        conn.execute("ALTER TABLE harness.entry DISABLE TRIGGER USER")
        conn.execute(statement, params or None)
        conn.execute("ALTER TABLE harness.entry ENABLE TRIGGER USER")
