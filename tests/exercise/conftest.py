"""Helpers for the exercise tests: a facilitator, a session, phones joining through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient


@dataclass
class Room:
    """A started session: the facilitator's client, the org and the join code."""

    facilitator: FlaskClient
    phone: FlaskClient
    org: Any
    code: str

    def act(self, action: str, **body: Any) -> Any:
        return self.facilitator.post(f"/orgs/{self.org.slug}/api/exercises/{self.code}/{action}",
                                     json=body or None)

    def join(self) -> str:
        response = self.phone.post(f"/x/{self.code}/api/join")
        assert response.status_code == 201, response.get_data(as_text=True)
        return str(response.get_json()["participant"])

    def answer(self, token: str, scenario: int, perspective: str, value: Any) -> Any:
        return self.phone.post(f"/x/{self.code}/api/answers", json={
            "participant": token, "scenario": scenario, "perspective": perspective,
            "value": value})

    def state(self) -> Any:
        return self.phone.get(f"/x/{self.code}/api/state")

    def results(self, scenario: int) -> Any:
        return self.phone.get(f"/x/{self.code}/api/results?scenario={scenario}")


@pytest.fixture()
def room(app: Any, client: FlaskClient, factory: Any, login_as: Any) -> Room:
    org = factory.org(stats_k=3)
    leader = factory.person(org, "leader")
    login_as(leader)
    response = client.post(f"/orgs/{org.slug}/api/exercises", json={"scenarios": "brochure"})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "screen"}
    assert body["screen"] == f"/x/{body['code']}/screen"
    return Room(client, app.test_client(), org, body["code"])
