"""Handler key enrolment: the server stores a public key and two wrapped private keys."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from accounts.schemas import KeyEnrolmentSchema
from crypto import keywrap
from crypto._b64 import b64e
from crypto.envelope import kid
from tests.accounts.conftest import text
from tests.conftest import FAST_KDF_ITERATIONS, PASSWORD

PASSPHRASE = "a handler's own key passphrase"


def material(iterations: int = FAST_KDF_ITERATIONS) -> tuple[dict[str, Any], str, bytes]:
    """What the browser uploads, made the same way in Python; with the code and the key."""
    private, public = keywrap.generate_key_pair()
    code = keywrap.generate_recovery_code()
    body = {
        "public_key": b64e(public),
        "wrapped_private_key": keywrap.wrap_private_key(private, PASSPHRASE, iterations=iterations),
        "recovery_wrapped_key": keywrap.wrap_with_recovery_code(private, code),
    }
    return body, code, private


@pytest.fixture()
def new_handler(factory: Any) -> Any:
    return factory.person(factory.org(), "handler", title="Verneombud", keys=False)


def test_a_handler_without_a_key_is_sent_to_enrolment_after_login(
    client: FlaskClient, new_handler: Any, login_as: Any
) -> None:
    response = client.post("/login", data={"email": new_handler.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/code")
    import pyotp

    response = client.post(
        "/login/code", data={"code": pyotp.TOTP(new_handler.totp_secret_plain).now()}
    )
    assert response.headers["Location"].endswith("/account/keys")
    page = text(client.get("/account/keys?lang=en"))
    assert "Making your key needs JavaScript." in page
    assert 'data-iterations="1000"' in page
    assert "js/key-enrol.js" in page
    assert "You cannot receive reports yet." in text(client.get("/home?lang=en"))


def test_the_server_stores_the_public_key_and_both_wrapped_keys(
    client: FlaskClient, new_handler: Any, login_as: Any, db_session: Session
) -> None:
    login_as(new_handler)
    body, code, private = material()
    response = client.post("/account/keys", json=body)
    assert response.status_code == 201, response.get_json()
    public = keywrap.public_key_of(private)
    assert response.get_json() == {"ok": True, "kid": kid(public)}
    db_session.refresh(new_handler)
    assert new_handler.public_key == public
    assert new_handler.key_created_at is not None
    wrapped = json.loads(new_handler.wrapped_private_key)
    recovery = json.loads(new_handler.recovery_wrapped_key)
    assert wrapped == body["wrapped_private_key"]
    assert keywrap.unwrap_private_key(wrapped, PASSPHRASE, public) == private
    assert keywrap.unwrap_with_recovery_code(recovery, code, public) == private
    assert "You cannot receive reports yet." not in text(client.get("/home?lang=en"))
    assert "You have a personal key" in text(client.get("/account/keys?lang=en"))


def _tampered(change: str) -> dict[str, Any]:
    body, _, _ = material()
    other, _, _ = material()
    wrapped, recovery = body["wrapped_private_key"], body["recovery_wrapped_key"]
    if change == "not base64url":
        wrapped["salt"] = "+/+/" + wrapped["salt"][4:]
    elif change == "padded":
        body["public_key"] += "="
    elif change == "short key":
        body["public_key"] = body["public_key"][:-2]
    elif change == "short ct":
        recovery["ct"] = recovery["ct"][:-4]
    elif change == "other public key":
        body["public_key"] = other["public_key"]
    elif change == "recovery for another key":
        body["recovery_wrapped_key"] = other["recovery_wrapped_key"]
    elif change == "weak iterations":
        body["wrapped_private_key"] = material(iterations=FAST_KDF_ITERATIONS - 1)[0][
            "wrapped_private_key"
        ]
        body["public_key"] = b64e(bytes(32))  # also mismatched; iterations checked anyway
    elif change == "iterations as text":
        wrapped["iter"] = str(wrapped["iter"])
    elif change == "wrong kind":
        recovery["kind"] = "passphrase"
    elif change == "wrong version":
        wrapped["v"] = 2
    elif change == "extra field":
        body["private_key"] = "AAAA"
    elif change == "missing blob":
        del body["recovery_wrapped_key"]
    return body


CHANGES = [
    "not base64url", "padded", "short key", "short ct", "other public key",
    "recovery for another key", "iterations as text", "wrong kind", "wrong version",
    "extra field", "missing blob",
]


@pytest.mark.parametrize("change", CHANGES)
def test_malformed_key_material_is_refused_and_nothing_is_stored(
    client: FlaskClient, new_handler: Any, login_as: Any, db_session: Session, change: str
) -> None:
    login_as(new_handler)
    response = client.post("/account/keys?lang=en", json=_tampered(change))
    assert response.status_code == 400, change
    assert response.get_json()["message"] == "The key could not be read. Nothing was saved."
    db_session.refresh(new_handler)
    assert new_handler.public_key is None
    assert new_handler.wrapped_private_key is None


def test_a_weak_passphrase_wrap_is_refused() -> None:
    from marshmallow import ValidationError

    body, _, _ = material(iterations=999)
    with pytest.raises(ValidationError) as caught:
        KeyEnrolmentSchema(min_iterations=1000).load(body)
    assert "wrapped_private_key" in caught.value.messages
    assert KeyEnrolmentSchema(min_iterations=999).load(body)["public_key"]


@pytest.mark.parametrize("payload", [None, "not json", [1, 2]])
def test_a_body_that_is_not_a_json_object_is_refused(
    client: FlaskClient, new_handler: Any, login_as: Any, payload: Any
) -> None:
    login_as(new_handler)
    if payload == "not json":
        response = client.post("/account/keys", data="{", content_type="application/json")
    else:
        response = client.post("/account/keys", json=payload)
    assert response.status_code == 400


def test_an_existing_key_is_not_replaced(
    client: FlaskClient, factory: Any, login_as: Any, db_session: Session
) -> None:
    handler = factory.person(factory.org(), "handler", title="Verneombud")
    login_as(handler)
    before = (handler.public_key, handler.wrapped_private_key)
    response = client.post("/account/keys?lang=en", json=material()[0])
    assert response.status_code == 409
    assert "You already have a key." in response.get_json()["message"]
    db_session.refresh(handler)
    assert (handler.public_key, handler.wrapped_private_key) == before
    page = text(client.get("/account/keys?lang=en"))
    assert "A key cannot be replaced here" in page
    assert "js/key-enrol.js" not in page


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "This key already belongs to someone else."),
     ("nb", "Denne nøkkelen tilhører allerede en annen.")],
)
def test_a_colleagues_public_key_is_refused(
    client: FlaskClient, factory: Any, login_as: Any, db_session: Session,
    lang: str, expected: str,
) -> None:
    """Public keys are public: a handler who enrols a colleague's would make every seal
    to the organisation fail with "duplicate recipient"."""
    org = factory.org()
    colleague = factory.person(org, "handler", title="Verneombud")
    copycat = factory.person(org, "handler", title="Tillitsvalgt", keys=False)
    # The kid is all that ties a wrapped blob to a public key, so anyone can forge blobs
    # that pass the schema for someone else's key.
    body, _, _ = material()
    body["public_key"] = b64e(colleague.public_key)
    body["wrapped_private_key"]["kid"] = kid(colleague.public_key)
    body["recovery_wrapped_key"]["kid"] = kid(colleague.public_key)
    login_as(copycat)
    response = client.post(f"/account/keys?lang={lang}", json=body)
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"] == "key_in_use"
    assert expected in response.get_json()["message"]
    db_session.refresh(copycat)
    assert copycat.public_key is None
    assert copycat.wrapped_private_key is None


def test_the_database_refuses_two_people_with_one_public_key(
    factory: Any, db_session: Session
) -> None:
    from sqlalchemy.exc import IntegrityError

    org = factory.org()
    first = factory.person(org, "handler", title="Verneombud")
    second = factory.person(org, "handler", title="Tillitsvalgt", keys=False)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        second.public_key = first.public_key
        db_session.flush()


def test_only_handlers_enrol_a_key(
    client: FlaskClient, factory: Any, login_as: Any, db_session: Session
) -> None:
    leader = factory.person(factory.org(), "leader")
    login_as(leader)
    assert "Only case handlers need a personal key" in text(client.get("/account/keys?lang=en"))
    response = client.post("/account/keys", json=material()[0])
    assert response.status_code == 403
    db_session.refresh(leader)
    assert leader.public_key is None


def test_key_enrolment_needs_a_signed_in_person(client: FlaskClient) -> None:
    response = client.post("/account/keys", json=material()[0])
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# -- a forgotten passphrase: a new passphrase wrap of the same key ----------------------------


@pytest.fixture()
def enrolled(client: FlaskClient, new_handler: Any, login_as: Any) -> tuple[Any, str, bytes]:
    login_as(new_handler)
    body, code, private = material()
    assert client.post("/account/keys", json=body).status_code == 201
    return new_handler, code, private


def test_the_recovery_page_offers_the_recovery_wrap(
    client: FlaskClient, enrolled: tuple[Any, str, bytes]
) -> None:
    handler, _, _ = enrolled
    page = text(client.get("/account/keys/recover?lang=en"))
    assert "js/key-recover.js" in page
    assert "This needs JavaScript." in page
    blob = json.loads(page.split("data-recovery-blob='")[1].split("'")[0])
    assert blob == json.loads(handler.recovery_wrapped_key)
    assert f'data-public-key="{b64e(handler.public_key)}"' in page


def test_a_new_passphrase_wrap_replaces_the_old_one_and_keeps_the_key(
    client: FlaskClient, enrolled: tuple[Any, str, bytes], db_session: Session
) -> None:
    handler, code, private = enrolled
    recovery_before = handler.recovery_wrapped_key
    # What key-recover.js does: open the recovery wrap, wrap again under a new passphrase.
    recovered = keywrap.unwrap_with_recovery_code(
        json.loads(recovery_before), code, handler.public_key
    )
    rewrapped = keywrap.wrap_private_key(recovered, "a brand new passphrase",
                                         iterations=FAST_KDF_ITERATIONS)
    response = client.post("/account/keys/passphrase", json={
        "wrapped_private_key": rewrapped, "proof": _proof(client, recovered, handler, rewrapped)})
    assert response.status_code == 200
    db_session.refresh(handler)
    stored = json.loads(handler.wrapped_private_key)
    assert keywrap.unwrap_private_key(stored, "a brand new passphrase", handler.public_key) == (
        private
    )
    with pytest.raises(keywrap.KeyWrapError):
        keywrap.unwrap_private_key(stored, PASSPHRASE, handler.public_key)
    assert handler.recovery_wrapped_key == recovery_before


@pytest.mark.parametrize("change", ["another key", "weak", "recovery kind", "extra"])
def test_a_bad_new_passphrase_wrap_is_refused(
    client: FlaskClient, enrolled: tuple[Any, str, bytes], db_session: Session, change: str
) -> None:
    handler, _, private = enrolled
    before = handler.wrapped_private_key
    blob: Any = keywrap.wrap_private_key(private, "new passphrase!", iterations=FAST_KDF_ITERATIONS)
    body: dict[str, Any] = {"wrapped_private_key": blob}
    if change == "another key":
        body["wrapped_private_key"] = material()[0]["wrapped_private_key"]
    elif change == "weak":
        body["wrapped_private_key"] = keywrap.wrap_private_key(private, "x", iterations=10)
    elif change == "recovery kind":
        body["wrapped_private_key"] = keywrap.wrap_with_recovery_code(
            private, keywrap.generate_recovery_code()
        )
    else:
        body["public_key"] = b64e(bytes(32))
    if change != "extra" and body["wrapped_private_key"].get("kind") == "passphrase":
        body["proof"] = _proof(client, private, handler, body["wrapped_private_key"])
    response = client.post("/account/keys/passphrase", json=body)
    assert response.status_code == 400
    db_session.refresh(handler)
    assert handler.wrapped_private_key == before


def _proof(client: FlaskClient, private: bytes, handler: Any, blob: dict[str, Any]) -> str:
    """What key-recover.js does: answer the recovery page's challenge with the key."""
    import re

    from crypto import possession
    from crypto._b64 import b64d

    page = text(client.get("/account/keys/recover"))
    challenge = b64d(re.search(r'data-challenge="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    return b64e(possession.prove(private, challenge, handler.public_key, blob))


def test_a_session_alone_cannot_overwrite_the_wrapped_key(
    client: FlaskClient, enrolled: tuple[Any, str, bytes], db_session: Session
) -> None:
    """Anyone holding a handler's session could replace their wrapped key with garbage."""
    handler, _, private = enrolled
    before = handler.wrapped_private_key
    stranger = keywrap.generate_key_pair()[0]
    garbage = keywrap.wrap_private_key(private, "attacker's passphrase",
                                       iterations=FAST_KDF_ITERATIONS)
    garbage["ct"] = b64e(bytes(len(garbage["ct"]) * 3 // 4))  # right shape, wrong content
    for proof in (None, b64e(bytes(32)), _proof(client, stranger, handler, garbage)):
        body = {"wrapped_private_key": garbage, **({"proof": proof} if proof else {})}
        response = client.post("/account/keys/passphrase", json=body)
        assert response.status_code in (400, 403), response.get_json()
        db_session.refresh(handler)
        assert handler.wrapped_private_key == before
    # A proof made for another blob does not carry this one.
    honest = keywrap.wrap_private_key(private, "a brand new passphrase",
                                      iterations=FAST_KDF_ITERATIONS)
    proof = _proof(client, private, handler, honest)
    response = client.post("/account/keys/passphrase",
                           json={"wrapped_private_key": garbage, "proof": proof})
    assert response.status_code == 403
    db_session.refresh(handler)
    assert handler.wrapped_private_key == before


def test_without_a_key_there_is_nothing_to_rewrap(
    client: FlaskClient, new_handler: Any, login_as: Any
) -> None:
    login_as(new_handler)
    assert client.get("/account/keys/recover").headers["Location"].endswith("/account/keys")
    blob = material()[0]["wrapped_private_key"]
    response = client.post("/account/keys/passphrase", json={"wrapped_private_key": blob})
    assert response.status_code == 409


def test_a_key_without_a_recovery_wrap_says_so(
    client: FlaskClient, factory: Any, login_as: Any
) -> None:
    login_as(factory.person(factory.org(), "handler", title="Verneombud"))  # demo-style keys
    page = text(client.get("/account/keys/recover?lang=en"))
    assert "No recovery code was made for your key" in page
    assert "js/key-recover.js" not in page
