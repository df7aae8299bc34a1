"""Prevention fixtures: an organisation with a coordinator, a leader and a handler."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import FreshGlobalsClient, login


@pytest.fixture()
def org(factory: Any) -> Any:
    return factory.org(slug="prev-org", name="Prøveteatret")


@pytest.fixture()
def people(factory: Any, org: Any) -> dict[str, Any]:
    return {role: factory.person(org, role, title="Verneombud" if role == "handler" else "")
            for role in ("coordinator", "leader", "handler", "admin")}


@pytest.fixture()
def as_role(app: Flask, db_session: Session, people: dict[str, Any]) -> Any:
    def make(role: str) -> FlaskClient:
        app.test_client_class = FreshGlobalsClient
        client = app.test_client()
        login(client, people[role])
        return client

    return make
