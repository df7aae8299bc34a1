"""/healthz says whether the database answers; when it does not, every page answers 503
with a clear page (never 500), in the visitor's language."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_config
from trygg import create_app
from trygg.extensions import db


def test_healthz_answers_json_when_the_database_is_there(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture()
def no_database(tmp_path: Path) -> Iterator[Flask]:
    """The app pointed at a PostgreSQL port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free now, and nothing will listen on it
    url = f"postgresql+psycopg://nobody@127.0.0.1:{port}/gone?connect_timeout=2"
    app = create_app(make_config(url, tmp_path))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield app
    with app.app_context():
        db.engine.dispose()


def test_healthz_answers_503_when_the_database_is_unreachable(no_database: Flask) -> None:
    response = no_database.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}


@pytest.mark.parametrize(("method", "path", "words"), [
    ("GET", "/r/demo", "databasen"),
    ("GET", "/r/demo?lang=en", "database"),
    ("POST", "/login?lang=en", "Nothing was saved"),
    ("GET", "/r/demo/report", "databasen"),
])
def test_a_database_outage_answers_503_with_a_clear_page(
    no_database: Flask, method: str, path: str, words: str
) -> None:
    response = no_database.test_client().open(
        path, method=method, data={"email": "a@example.test", "password": "x" * 12})
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    page = response.get_data(as_text=True)
    assert words in page and "112" in page


def test_a_database_outage_on_a_json_endpoint_is_a_json_503(no_database: Flask) -> None:
    response = no_database.test_client().post("/r/demo/api/session", json={"lookup_token": "x"})
    assert response.status_code == 503
    assert response.get_json()["error"] == "unavailable"
