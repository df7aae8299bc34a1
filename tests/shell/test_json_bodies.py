"""Deeply nested JSON is refused with 400 and a JSON error on every endpoint that reads
JSON, signed in or not; it never answers 500."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from trygg.jsonbody import MAX_DEPTH, too_deep

DEEP = "[" * 50_000 + "]" * 50_000  # past Python's recursion limit
NESTED = '{"a":' * (MAX_DEPTH + 5) + "1" + "}" * (MAX_DEPTH + 5)  # parses, too deep


def _urls(app: Flask) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.methods or not rule.methods & {"POST", "PUT"}:
            continue
        values: dict[str, Any] = {}
        for name, converter in rule._converters.items():
            kind = type(converter).__name__
            values[name] = (uuid.uuid4() if "UUID" in kind else 1 if "Integer" in kind
                            else "demo")
        with app.test_request_context():
            from flask import url_for

            urls.append(url_for(rule.endpoint, **values))
    return sorted(set(urls))


def test_too_deep_counts_levels_without_recursion() -> None:
    assert not too_deep({"a": [1, {"b": 2}]})
    assert too_deep(eval(NESTED.replace('"a":', '"a":')))  # noqa: S307 - a literal of our own
    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    assert too_deep(deep)


@pytest.mark.parametrize("body", [DEEP, NESTED], ids=["recursion", "nested"])
def test_no_endpoint_answers_500_to_deep_json(app: Flask, client: FlaskClient, body: str) -> None:
    statuses = {}
    for url in _urls(app):
        for method in ("POST", "PUT"):
            response = client.open(url, method=method, data=body,
                                   content_type="application/json")
            statuses[(method, url)] = response.status_code
            assert response.status_code < 500, (method, url)
    # The unauthenticated JSON endpoints get as far as reading the body: a clear 400.
    response = client.post("/r/demo/api/reports", data=body, content_type="application/json")
    assert response.status_code in (400, 404)


def test_deep_json_is_a_clear_json_error(client: FlaskClient, factory: Any) -> None:
    org = factory.org()
    for body in (DEEP, NESTED):
        response = client.post(f"/r/{org.slug}/api/session?lang=en", data=body,
                               content_type="application/json")
        assert response.status_code == 400
        assert response.get_json()["error"] == "invalid_json"
        assert "nested too deeply" in response.get_json()["message"]
