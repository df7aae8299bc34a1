"""The reporter coming back: receipt login, the session cookie, messages, consent, files."""

from __future__ import annotations

import io
import json
import os
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework import handoff, intake
from casework.models import Attachment, Case, Message
from crypto import envelope, receipt
from crypto import stream as stream_v1
from tests.conftest import new_key
from tests.reporting import support
from tests.reporting.conftest import Org, submit
from trygg import clock


@pytest.fixture()
def reported(client: FlaskClient, db_session: Session, org: Org) -> support.Sealed:
    response, sealed = submit(client, org, [org.a.public_key, org.b.public_key])
    assert response.status_code == 201
    return sealed


def login_js(client: FlaskClient, org: Org, sealed: support.Sealed) -> str:
    response = client.post(
        f"/r/{org.slug}/api/session", json={"lookup_token": support.b64(sealed.keys.lookup_token)}
    )
    assert response.status_code == 200, response.json
    return str(response.json["token"])


def case_of(db_session: Session, sealed: support.Sealed) -> Case:
    import uuid

    case = db_session.scalar(select(Case).where(Case.public_id == uuid.UUID(sealed.body["case"])))
    assert case is not None
    return case


def test_receipt_login_sets_only_the_reporter_cookie_scoped_to_the_organisation(
    client: FlaskClient, org: Org, reported: support.Sealed
) -> None:
    response = client.post(
        f"/r/{org.slug}/api/session", json={"lookup_token": support.b64(reported.keys.lookup_token)}
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1
    cookie = cookies[0]
    assert cookie.startswith("trygg_reporter=")
    assert f"Path=/r/{org.slug}/" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=1800" in cookie
    # The cookie holds neither the receipt nor the lookup token in the clear.
    value = cookie.split(";")[0].split("=", 1)[1]
    assert reported.receipt.replace("-", "") not in value
    assert support.b64(reported.keys.lookup_token) not in value


def test_pages_before_login_set_no_cookie(client: FlaskClient, org: Org) -> None:
    for path in ("", "/report", "/follow-up", "?lang=en"):
        response = client.get(f"/r/{org.slug}{path}")
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, path
        assert response.headers["Cache-Control"] == "no-store"


def test_the_case_api_returns_the_thread_sealed_with_the_current_recipients(
    client: FlaskClient, db_session: Session, org: Org, reported: support.Sealed
) -> None:
    login_js(client, org, reported)
    case = case_of(db_session, reported)
    support.reply_as_handler(db_session, case, "Verneombud A", "Hei, vi har lest det.")
    db_session.commit()
    data = client.get(f"/r/{org.slug}/api/case").json
    assert data["context"] == case.context
    assert data["state"] == "received"
    assert set(data["recipients"]) == {
        support.b64(k) for k in (org.a.public_key, org.b.public_key, reported.keys.public_key)
    }
    assert data["report"] == reported.body["report"]
    [reply] = data["items"]
    opened = json.loads(
        envelope.unseal(reply["body"], reported.keys.private_key, case.context + "/message")
    )
    assert opened["text"] == "Hei, vi har lest det."


def test_internal_notes_are_never_shown_to_the_reporter(
    client: FlaskClient, db_session: Session, org: Org, reported: support.Sealed
) -> None:
    from casework import services

    case = case_of(db_session, reported)
    note = envelope.seal(b"{}", [org.a.public_key, org.b.public_key], case.context + "/message")
    services.add_message(db_session, case, sender="handler", kind="note", body=json.dumps(note))
    db_session.commit()
    login_js(client, org, reported)
    assert client.get(f"/r/{org.slug}/api/case").json["items"] == []


def test_a_sealed_message_and_consent_from_the_reporter(
    client: FlaskClient, db_session: Session, org: Org, reported: support.Sealed, outbox: Any
) -> None:
    token = login_js(client, org, reported)
    case = case_of(db_session, reported)
    keys = [org.a.public_key, org.b.public_key, reported.keys.public_key]
    body = envelope.seal(b'{"text": "mer"}', keys, case.context + "/message")
    response = client.post(
        f"/r/{org.slug}/api/messages",
        json={"kind": "addition", "body": body, "idempotency_key": new_key()},
        headers={"X-Trygg-Token": token},
    )
    assert response.status_code == 201
    consent = envelope.seal(b'{"consent": true}', keys, case.context + "/message")
    response = client.post(f"/r/{org.slug}/api/messages", json={"kind": "consent", "body": consent,
                                                                "idempotency_key": new_key()})
    assert response.status_code == 201
    kinds = db_session.scalars(
        select(Message.kind).where(Message.case_id == case.id).order_by(Message.seq)
    ).all()
    assert kinds == ["addition", "consent"]
    assert handoff.consent_after(db_session, case, 0) is not None
    assert sorted(m["To"] for m in outbox()[-2:]) == sorted([org.a.email, org.b.email])


@pytest.mark.parametrize("who", ["stranger", "excluded", "without_reporter"])
def test_a_message_sealed_to_the_wrong_people_is_refused(
    client: FlaskClient, db_session: Session, org: Org, who: str
) -> None:
    response, sealed = submit(client, org, [org.b.public_key], excluded=[org.membership(org.a)])
    assert response.status_code == 201
    login_js(client, org, sealed)
    case = case_of(db_session, sealed)
    keys = {
        "stranger": [org.b.public_key, sealed.keys.public_key, os.urandom(32)],
        "excluded": [org.a.public_key, org.b.public_key, sealed.keys.public_key],
        "without_reporter": [org.b.public_key],
    }[who]
    try:
        body = envelope.seal(b"{}", keys, case.context + "/message")
    except ValueError:  # a random 32 bytes may not be a valid point: use a real key
        from crypto import keywrap

        body = envelope.seal(
            b"{}", [*keys[:2], keywrap.generate_key_pair()[1]], case.context + "/message"
        )
    before = db_session.scalar(select(func.count(Message.id)))
    response = client.post(f"/r/{org.slug}/api/messages", json={"kind": "message", "body": body,
                                                                "idempotency_key": new_key()})
    assert response.status_code == 422
    assert db_session.scalar(select(func.count(Message.id))) == before


def test_without_a_session_the_follow_up_api_answers_401(client: FlaskClient, org: Org) -> None:
    assert client.get(f"/r/{org.slug}/api/case").status_code == 401
    assert client.post(f"/r/{org.slug}/api/messages", json={}).status_code == 401


def test_a_tampered_or_foreign_cookie_is_no_session(
    client: FlaskClient, factory: Any, org: Org, reported: support.Sealed
) -> None:
    login_js(client, org, reported)
    cookie = client.get_cookie("trygg_reporter", path=f"/r/{org.slug}/")
    assert cookie is not None
    value = cookie.value
    tampered = value[:-2] + ("AA" if value[-2:] != "AA" else "BB")
    client.set_cookie("trygg_reporter", tampered, path=f"/r/{org.slug}/")
    assert client.get(f"/r/{org.slug}/api/case").status_code == 401
    other = factory.org()
    client.set_cookie("trygg_reporter", value, path=f"/r/{other.slug}/")
    assert client.get(f"/r/{other.slug}/api/case").status_code == 401


def _no_js_login(client: FlaskClient, org: Org, code: str) -> Any:
    return client.post(f"/r/{org.slug}/follow-up?lang=en", data={"receipt": code})


def test_a_wrong_receipt_and_an_unknown_one_look_exactly_the_same(
    client: FlaskClient, factory: Any, org: Org
) -> None:
    other = factory.org()
    other_handler = factory.person(other, "handler", title="V")
    response, elsewhere = submit(
        client,
        type(org)(other, other_handler, other_handler, other_handler, None),
        [other_handler.public_key],
    )
    assert response.status_code == 201
    wrong = _no_js_login(client, org, elsewhere.receipt)  # a real receipt, another organisation
    unknown = _no_js_login(client, org, receipt.generate())
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data() == unknown.get_data()
    js_wrong = client.post(
        f"/r/{org.slug}/api/session",
        json={"lookup_token": support.b64(elsewhere.keys.lookup_token)},
    )
    js_unknown = client.post(
        f"/r/{org.slug}/api/session", json={"lookup_token": support.b64(os.urandom(32))}
    )
    assert js_wrong.status_code == js_unknown.status_code == 401
    assert js_wrong.get_data() == js_unknown.get_data()


def test_a_typo_is_caught_by_the_check_character_before_any_lookup(
    client: FlaskClient, org: Org, reported: support.Sealed, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[object] = []
    monkeypatch.setattr(intake, "case_by_lookup", lambda *a, **k: looked_up.append(a))
    code = reported.receipt
    typo = code[:3] + ("X" if code[3] != "X" else "Y") + code[4:]
    response = _no_js_login(client, org, typo)
    assert response.status_code == 400
    assert "typo" in response.get_data(as_text=True)
    assert looked_up == []


def test_receipt_guessing_is_throttled(client: FlaskClient, org: Org) -> None:
    statuses = [_no_js_login(client, org, receipt.generate()).status_code for _ in range(5)]
    assert statuses == [401] * 5
    assert _no_js_login(client, org, receipt.generate()).status_code == 429
    # The browser's login shares the same budget.
    response = client.post(
        f"/r/{org.slug}/api/session", json={"lookup_token": support.b64(os.urandom(32))}
    )
    assert response.status_code == 429


def test_no_js_login_opens_the_thread_in_memory_and_replies_are_sealed(
    client: FlaskClient, db_session: Session, org: Org, reported: support.Sealed
) -> None:
    case = case_of(db_session, reported)
    support.reply_as_handler(db_session, case, "Verneombud B", "Svar fra B")
    db_session.commit()
    response = _no_js_login(client, org, reported.receipt.lower())
    assert response.status_code == 303
    page = client.get(f"/r/{org.slug}/follow-up?lang=en").get_data(as_text=True)
    assert "Svar fra B" in page
    assert "Det skjedde på turné." in page  # the reporter's own report, opened for them
    response = client.post(
        f"/r/{org.slug}/follow-up/message?lang=en",
        data={
            "kind": "message",
            "text": "Takk, B",
            "attachments": (io.BytesIO(b"vedlegg"), "v.txt"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    last = db_session.scalar(
        select(Message).where(Message.case_id == case.id).order_by(Message.seq.desc()).limit(1)
    )
    assert support.open_message(case, last.body, org.key(org.a))["text"] == "Takk, B"
    [attachment] = db_session.scalars(select(Attachment).where(Attachment.message_id == last.id))
    meta, data = support.open_attachment(db_session, case, attachment, org.key(org.b))
    assert (meta["name"], data) == ("v.txt", b"vedlegg")
    download = client.get(f"/r/{org.slug}/follow-up/files/{attachment.public_id}")
    assert download.status_code == 200 and download.get_data() == b"vedlegg"
    assert download.headers["Cache-Control"] == "no-store"


def test_signing_out_ends_the_session(
    client: FlaskClient, org: Org, reported: support.Sealed
) -> None:
    login_js(client, org, reported)
    response = client.post(f"/r/{org.slug}/follow-up/sign-out")
    assert response.status_code == 303
    assert client.get(f"/r/{org.slug}/api/case").status_code == 401


def test_session_forms_need_their_token_and_our_origin(
    client: FlaskClient, db_session: Session, org: Org, reported: support.Sealed, csrf_on: None
) -> None:
    form_token = (
        client.get(f"/r/{org.slug}/follow-up")
        .get_data(as_text=True)
        .split('name="form_token" value="')[1]
        .split('"')[0]
    )
    response = client.post(
        f"/r/{org.slug}/api/session",
        headers={"X-Trygg-Token": form_token},
        json={"lookup_token": support.b64(reported.keys.lookup_token)},
    )
    assert response.status_code == 200
    token = response.json["token"]
    case = case_of(db_session, reported)
    body = envelope.seal(
        b"{}",
        [org.a.public_key, org.b.public_key, reported.keys.public_key],
        case.context + "/message",
    )
    url = f"/r/{org.slug}/api/messages"
    assert client.post(url, json={"kind": "message", "body": body,
                                  "idempotency_key": new_key()}).status_code == 400
    assert (
        client.post(
            url, json={"kind": "message", "body": body,
                       "idempotency_key": new_key()}, headers={"X-Trygg-Token": form_token}
        ).status_code
        == 400
    )
    assert (
        client.post(
            url,
            json={"kind": "message", "body": body, "idempotency_key": new_key()},
            headers={
                "X-Trygg-Token": token,
                "Origin": "https://evil.example",
                "Sec-Fetch-Site": "cross-site",
            },
        ).status_code
        == 400
    )
    assert (
        client.post(
            url,
            json={"kind": "message", "body": body, "idempotency_key": new_key()},
            headers={"X-Trygg-Token": token, "Origin": "null", "Sec-Fetch-Site": "same-origin"},
        ).status_code
        == 201
    )
    # And before a login: the day's form token.
    assert (
        client.post(
            f"/r/{org.slug}/api/session",
            json={"lookup_token": support.b64(reported.keys.lookup_token)},
        ).status_code
        == 400
    )


# -- attachments ---------------------------------------------------------------------------


def _announce(
    client: FlaskClient, org: Org, case: Case, keys: list[bytes], data: bytes, chunk: int = 1024
) -> tuple[str, bytes]:
    key_env, pieces = stream_v1.encrypt_stream(
        io.BytesIO(data), keys, case.context + "/attachment", chunk_size=chunk
    )
    stream = b"".join(pieces)
    meta = envelope.seal(
        json.dumps({"name": "f.bin"}).encode(), keys, case.context + "/attachment-meta"
    )
    response = client.post(
        f"/r/{org.slug}/api/attachments",
        json={"key": key_env, "meta": meta, "header": support.b64(stream[:13]), "size": len(data)},
    )
    assert response.status_code == 201, response.json
    return response.json["id"], stream[13:]


def test_an_attachment_arrives_in_chunks_and_is_complete_only_at_the_end(
    client: FlaskClient, db_session: Session, org: Org, reported: support.Sealed
) -> None:
    login_js(client, org, reported)
    case = case_of(db_session, reported)
    keys = [org.a.public_key, org.b.public_key, reported.keys.public_key]
    data = os.urandom(5000)
    file_id, body = _announce(client, org, case, keys, data)
    sealed = 1024 + 16
    url = f"/r/{org.slug}/api/attachments/{file_id}/chunks"
    first = client.put(f"{url}?from=0&last=0", data=body[: 2 * sealed])
    assert first.status_code == 200 and first.json == {"next": 2, "complete": False}
    assert client.get(f"/r/{org.slug}/api/case").json["attachments"][0]["complete"] is False
    again = client.put(f"{url}?from=0&last=0", data=body[: 2 * sealed])  # a retry, out of step
    assert again.status_code == 409 and again.headers["X-Trygg-Next"] == "2"
    bad = client.put(f"{url}?from=2&last=0", data=body[2 * sealed : 2 * sealed + 100])
    assert bad.status_code == 400  # not whole chunks
    done = client.put(f"{url}?from=2&last=1", data=body[2 * sealed :])
    assert done.status_code == 200 and done.json["complete"] is True
    attachment = db_session.scalar(select(Attachment).where(Attachment.case_id == case.id))
    assert support.open_attachment(db_session, case, attachment, org.key(org.a))[1] == data
    stored = client.get(f"/r/{org.slug}/api/attachments/{file_id}/data").get_data()
    assert stored == attachment.header + body
    assert client.put(f"{url}?from=5&last=1", data=body[-16:]).status_code == 409


def test_attachment_limits(
    client: FlaskClient,
    db_session: Session,
    org: Org,
    reported: support.Sealed,
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login_js(client, org, reported)
    case = case_of(db_session, reported)
    keys = [org.a.public_key, org.b.public_key, reported.keys.public_key]
    config = app.config["TRYGG"]
    monkeypatch.setitem(
        app.config, "TRYGG", config.with_(attachment_max_file=3000, attachment_max_case=5000)
    )
    key_env, pieces = stream_v1.encrypt_stream(io.BytesIO(b"x"), keys, case.context + "/attachment")
    meta = envelope.seal(b"{}", keys, case.context + "/attachment-meta")
    header = support.b64(next(iter(pieces))[:13])
    too_big = client.post(
        f"/r/{org.slug}/api/attachments",
        json={"key": key_env, "meta": meta, "header": header, "size": 3001},
    )
    assert (too_big.status_code, too_big.json["error"]) == (413, "too_large")
    file_id, body = _announce(client, org, case, keys, os.urandom(2500))
    assert (
        client.put(
            f"/r/{org.slug}/api/attachments/{file_id}/chunks?from=0&last=1", data=body
        ).status_code
        == 200
    )
    full = client.post(
        f"/r/{org.slug}/api/attachments",
        json={"key": key_env, "meta": meta, "header": header, "size": 2600},
    )
    assert (full.status_code, full.json["error"]) == (413, "case_full")
    # A client that lies about the size is stopped by the chunks themselves.
    file_id, body = _announce(client, org, case, keys, os.urandom(100))
    lying = client.put(
        f"/r/{org.slug}/api/attachments/{file_id}/chunks?from=0&last=1", data=os.urandom(3 * 1040)
    )
    assert lying.status_code == 413


def test_a_purged_case_takes_nothing_more(
    client: FlaskClient, db_session: Session, org: Org, reported: support.Sealed
) -> None:

    token = login_js(client, org, reported)
    case = case_of(db_session, reported)
    case.report, case.purged_on, case.state = None, clock.today(), "closed"
    db_session.commit()
    body = envelope.seal(
        b"{}",
        [org.a.public_key, org.b.public_key, reported.keys.public_key],
        case.context + "/message",
    )
    response = client.post(
        f"/r/{org.slug}/api/messages",
        json={"kind": "message", "body": body, "idempotency_key": new_key()},
        headers={"X-Trygg-Token": token},
    )
    assert (response.status_code, response.json["error"]) == (410, "purged")


def test_a_resent_message_is_stored_once_and_answered_as_a_replay(
    client: FlaskClient, db_session: Session, org: Org, reported: support.Sealed, outbox: Any
) -> None:
    token = login_js(client, org, reported)
    case = case_of(db_session, reported)
    keys = [org.a.public_key, org.b.public_key, reported.keys.public_key]
    body = {"kind": "message", "idempotency_key": new_key(),
            "body": envelope.seal(b'{"text": "en gang"}', keys, case.context + "/message")}
    url = f"/r/{org.slug}/api/messages"
    first = client.post(url, json=body, headers={"X-Trygg-Token": token})
    told = len(outbox())
    again = client.post(url, json=body, headers={"X-Trygg-Token": token})  # the answer was lost
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert db_session.scalar(
        select(func.count(Message.id)).where(Message.case_id == case.id)) == 1
    assert told > 0 and len(outbox()) == told  # the handlers were told once
    stored = db_session.scalar(select(Message.idempotency).where(Message.case_id == case.id))
    assert stored is not None and body["idempotency_key"].encode() not in stored  # a digest
    # Another message with its own key is a new message; a body without a key is refused.
    other = {**body, "idempotency_key": new_key()}
    assert client.post(url, json=other, headers={"X-Trygg-Token": token}).status_code == 201
    no_key = {k: v for k, v in body.items() if k != "idempotency_key"}
    assert client.post(url, json=no_key, headers={"X-Trygg-Token": token}).status_code == 400
    assert db_session.scalar(
        select(func.count(Message.id)).where(Message.case_id == case.id)) == 2
