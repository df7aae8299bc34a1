"""Anonymous reporters cannot fill the disk: the announced size holds, each organisation has
a daily budget, and nothing is accepted when the disk is nearly full."""

from __future__ import annotations

import io
import os
from collections import namedtuple
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework import intake
from casework.models import Attachment
from crypto import envelope
from crypto import stream as stream_v1
from reporting import services
from tests.reporting import support
from tests.reporting.conftest import Org
from tests.reporting.test_followup import _announce, case_of, login_js, reported  # noqa: F401
from tests.reporting.test_nojs import cases, form_fields

Usage = namedtuple("Usage", "total used free")


def _keys(org: Org, sealed: support.Sealed) -> list[bytes]:
    return [org.a.public_key, org.b.public_key, sealed.keys.public_key]


def test_a_stream_may_not_outgrow_or_fall_short_of_the_size_it_announced(
    client: FlaskClient, db_session: Session, org: Org, reported: support.Sealed,  # noqa: F811
) -> None:
    login_js(client, org, reported)
    case = case_of(db_session, reported)
    # Announce 100 bytes, then send a 3 000-byte stream: refused (it used to be stored).
    file_id, _body = _announce(client, org, case, _keys(org, reported), os.urandom(100))
    _other, bigger = _announce(client, org, case, _keys(org, reported), os.urandom(3000))
    url = f"/r/{org.slug}/api/attachments/{file_id}/chunks"
    response = client.put(f"{url}?from=0&last=1", data=bigger)
    assert (response.status_code, response.json["error"]) == (413, "too_large")
    # A stream shorter than announced does not end as a whole file either.
    file_id, body = _announce(client, org, case, _keys(org, reported), os.urandom(3000))
    # Two whole chunks (2 048 bytes), then a 100-byte end: 852 bytes short of the announcement.
    url = f"/r/{org.slug}/api/attachments/{file_id}/chunks"
    assert client.put(f"{url}?from=0&last=0", data=body[: 2 * 1040]).status_code == 200
    response = client.put(f"{url}?from=2&last=1", data=os.urandom(16 + 100))
    assert (response.status_code, response.json["error"]) == (400, "bad_stream")


def test_an_organisation_has_a_daily_budget(
    client: FlaskClient, db_session: Session, org: Org, reported: support.Sealed,  # noqa: F811
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "TRYGG", app.config["TRYGG"].with_(intake_daily_bytes=4000))
    login_js(client, org, reported)
    case = case_of(db_session, reported)
    _announce(client, org, case, _keys(org, reported), os.urandom(2500))
    keys = _keys(org, reported)
    key_env, pieces = stream_v1.encrypt_stream(io.BytesIO(b"x"), keys, case.context + "/attachment")
    meta = envelope.seal(b"{}", keys, case.context + "/attachment-meta")
    header = support.b64(next(iter(pieces))[:13])
    response = client.post(f"/r/{org.slug}/api/attachments?lang=en", json={
        "key": key_env, "meta": meta, "header": header, "size": 2000})
    assert (response.status_code, response.json["error"]) == (503, "budget_exhausted")
    assert "as many files today" in response.json["message"]
    # Tomorrow is another day.
    tomorrow = services.today() + timedelta(days=1)
    monkeypatch.setattr(services, "today", lambda: tomorrow)
    response = client.post(f"/r/{org.slug}/api/attachments", json={
        "key": key_env, "meta": meta, "header": header, "size": 2000})
    assert response.status_code == 201


def test_no_file_is_taken_when_the_disk_is_nearly_full(
    client: FlaskClient, db_session: Session, org: Org, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(intake.shutil, "disk_usage", lambda path: Usage(10**12, 10**12, 10**6))
    before = cases(db_session)
    data = {**form_fields(client, org), "what": "med vedlegg",
            "attachments": [(io.BytesIO(b"y" * 500), "bilde.bin")]}
    response = client.post(f"/r/{org.slug}/report?lang=en", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "short of storage space" in page and "without files" in page
    assert cases(db_session) == before
    assert db_session.scalar(select(func.count(Attachment.id))) == 0
    assert "below TRYGG_MIN_FREE_DISK" in caplog.text
    # Without files the report still goes through.
    data = {**form_fields(client, org), "what": "uten vedlegg"}
    assert client.post(f"/r/{org.slug}/report?lang=en", data=data).status_code == 200
    assert cases(db_session) == before + 1
