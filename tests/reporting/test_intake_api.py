"""The encrypted submission endpoint: what is stored, routing and exclusions, and bad input
(each a clear 4xx in the reporter's language, with nothing stored)."""

from __future__ import annotations

import json
import os
import uuid
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework import intake
from casework.models import Case, CaseExclusion, CaseHandler
from crypto import envelope, keywrap
from tests.reporting import support
from tests.reporting.conftest import DOCUMENT, Org, submit


def count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def stored(session: Session) -> tuple[int, int, int]:
    return count(session, Case), count(session, CaseHandler), count(session, CaseExclusion)


def test_a_sealed_report_is_stored_as_sent_and_opens_for_the_chosen_handlers(
    client: FlaskClient, db_session: Session, org: Org, app: Any
) -> None:
    response, sealed = submit(client, org, [org.a.public_key, org.b.public_key])
    assert response.status_code == 201
    assert response.json == {"status": "received", "case": sealed.body["case"]}
    case = db_session.scalar(select(Case).where(Case.public_id == uuid.UUID(sealed.body["case"])))
    assert case is not None
    assert json.loads(case.report) == sealed.body["report"]
    assert support.open_report(case, org.key(org.a)) == DOCUMENT
    assert support.open_report(case, org.key(org.b)) == DOCUMENT
    # Only a keyed hash of the lookup token, never the token (or the receipt) itself.
    assert case.reporter_lookup == intake.lookup_digest(
        app.config["SECRET_KEY"], sealed.keys.lookup_token
    )
    assert case.reporter_lookup != sealed.keys.lookup_token
    assert bytes(case.reporter_public_key) == sealed.keys.public_key
    assert type(case.received_on) is date  # a date, never a time of day
    assert case.acknowledge_by == case.received_on.fromordinal(
        case.received_on.toordinal() + org.org.acknowledge_days
    )
    handlers = {h.membership_id for h in case.handlers}
    assert handlers == {org.membership(org.a).id, org.membership(org.b).id}


def test_the_same_submission_twice_is_one_case_and_the_same_answer(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    response, sealed = submit(client, org, [org.a.public_key, org.b.public_key])
    before = stored(db_session)
    again = client.post(f"/r/{org.slug}/api/reports", json=sealed.body)
    assert again.status_code == response.status_code == 201
    assert again.json == response.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stored(db_session) == before


def test_leaving_out_a_handler_routes_to_the_others_and_stores_the_exclusion(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    response, sealed = submit(client, org, [org.b.public_key], excluded=[org.membership(org.a)])
    assert response.status_code == 201
    case = db_session.scalar(select(Case).where(Case.public_id == uuid.UUID(sealed.body["case"])))
    assert {h.membership_id for h in case.handlers} == {org.membership(org.b).id}
    assert [e.person_id for e in case.exclusions] == [org.a.id]
    kids = set(envelope.recipient_kids(json.loads(case.report)))
    assert envelope.kid(org.a.public_key) not in kids


def test_when_every_internal_handler_is_left_out_the_external_one_receives_it(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    response, sealed = submit(
        client, org, [org.x.public_key], excluded=[org.membership(org.a), org.membership(org.b)]
    )
    assert response.status_code == 201
    case = db_session.scalar(select(Case).where(Case.public_id == uuid.UUID(sealed.body["case"])))
    assert {h.membership_id for h in case.handlers} == {org.membership(org.x).id}
    assert support.open_report(case, org.key(org.x)) == DOCUMENT


def test_the_external_handler_is_not_a_recipient_while_an_internal_one_remains(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    before = stored(db_session)
    response, _ = submit(client, org, [org.a.public_key, org.b.public_key, org.x.public_key])
    assert response.status_code == 422
    assert response.json["error"] == "unknown_recipient"
    assert stored(db_session) == before


@pytest.mark.parametrize(
    ("case_name", "status", "code"),
    [
        ("everyone_excluded", 422, "everyone_excluded"),
        ("unknown_excluded_id", 422, "unknown_handler"),
        ("sealed_to_an_excluded_handler", 422, "unknown_recipient"),
        ("sealed_to_a_stranger", 422, "unknown_recipient"),
        ("sealed_to_a_leader", 422, "unknown_recipient"),
        ("not_sealed_to_the_reporter", 422, "missing_recipient"),
        ("missing_a_handler", 422, "missing_recipient"),
    ],
)
def test_wrong_recipients_are_refused_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, org: Org, case_name: str, status: int, code: str
) -> None:
    a, b = org.a.public_key, org.b.public_key
    ma, mb, mx = (org.membership(p) for p in (org.a, org.b, org.x))
    stranger = keywrap.generate_key_pair()[1]
    before = stored(db_session)
    if case_name == "everyone_excluded":
        response, _ = submit(client, org, [a], excluded=[ma, mb, mx])
    elif case_name == "unknown_excluded_id":
        body = support.sealed_submission(org.org, [a, b], DOCUMENT).body
        body["excluded"] = [str(uuid.uuid4())]
        response = client.post(f"/r/{org.slug}/api/reports", json=body)
    elif case_name == "sealed_to_an_excluded_handler":
        response, _ = submit(client, org, [a, b], excluded=[ma])
    elif case_name == "sealed_to_a_stranger":
        response, _ = submit(client, org, [a, b, stranger])
    elif case_name == "sealed_to_a_leader":
        from accounts.keys import enrol_demo_keys

        enrol_demo_keys(org.leader, "x", kdf_iterations=1000)
        db_session.flush()
        response, _ = submit(client, org, [a, b, org.leader.public_key])
    elif case_name == "not_sealed_to_the_reporter":
        sealed = support.sealed_submission(org.org, [a, b], DOCUMENT)
        sealed.body["report"] = envelope.seal(b"{}", [a, b], "whatever")
        response = client.post(f"/r/{org.slug}/api/reports", json=sealed.body)
    else:
        response, _ = submit(client, org, [a])
    assert (response.status_code, response.json["error"]) == (status, code)
    assert response.json["message"]
    assert stored(db_session) == before


def _valid(org: Org) -> dict[str, Any]:
    return support.sealed_submission(org.org, [org.a.public_key, org.b.public_key], DOCUMENT).body


@pytest.mark.parametrize(
    ("mutate", "status"),
    [
        (lambda b: b.pop("report"), 400),
        (lambda b: b.update(extra=1), 400),
        (lambda b: b.update(case="not-a-uuid"), 400),
        (lambda b: b.update(lookup_token="AAAA"), 400),
        (lambda b: b.update(lookup_token=support.b64(os.urandom(32)) + "="), 400),
        (lambda b: b.update(reporter_public_key="!" * 43), 400),
        (lambda b: b.update(report=[]), 400),
        (lambda b: b["report"].update(v=2), 400),
        (lambda b: b["report"].update(ct=b["report"]["ct"][:-8]), 400),
        (lambda b: b["report"]["recipients"].append(b["report"]["recipients"][0]), 400),
        (lambda b: b["report"].update(ct="A" * (intake.MAX_REPORT_CT + 4)), 413),
        (lambda b: b.update(case=str(uuid.uuid1())), 400),
    ],
)
def test_malformed_submissions_get_a_clear_4xx_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, org: Org, mutate: Any, status: int
) -> None:
    body = _valid(org)
    mutate(body)
    before = stored(db_session)
    response = client.post(f"/r/{org.slug}/api/reports?lang=en", json=body)
    assert response.status_code == status
    assert response.json["message"]
    assert stored(db_session) == before


def test_not_json_at_all(client: FlaskClient, db_session: Session, org: Org) -> None:
    response = client.post(
        f"/r/{org.slug}/api/reports", data=b"\x00\x01", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid"


def test_a_body_over_the_size_limit_is_refused(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    response = client.post(
        f"/r/{org.slug}/api/reports",
        data=b"{" + b" " * (5 * 1024 * 1024) + b"}",
        content_type="application/json",
    )
    assert response.status_code == 413


def test_errors_are_in_the_reporters_language(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    ma, mb, mx = (org.membership(p) for p in (org.a, org.b, org.x))
    nb, _ = submit(client, org, [org.a.public_key], excluded=[ma, mb, mx], lang="nb")
    en, _ = submit(client, org, [org.a.public_key], excluded=[ma, mb, mx], lang="en")
    assert nb.status_code == en.status_code == 422
    assert "Minst én må kunne lese den" in nb.json["message"]
    assert "At least one person must be able to read it" in en.json["message"]


def test_an_unknown_organisation_is_a_404_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    before = stored(db_session)
    response = client.post("/r/no-such-org/api/reports", json=_valid(org))
    assert response.status_code == 404
    assert response.json["error"] == "not_found_page"
    assert stored(db_session) == before


def test_an_organisation_without_handlers_cannot_receive(client: FlaskClient, factory: Any) -> None:
    empty = factory.org()
    body = support.sealed_submission(empty, [keywrap.generate_key_pair()[1]], DOCUMENT).body
    response = client.post(f"/r/{empty.slug}/api/reports", json=body)
    assert (response.status_code, response.json["error"]) == (422, "no_handlers")


def test_a_case_id_already_used_by_another_submission_is_a_conflict(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    first = _valid(org)
    assert client.post(f"/r/{org.slug}/api/reports", json=first).status_code == 201
    second = support.sealed_submission(org.org, [org.a.public_key, org.b.public_key], DOCUMENT)
    second.body["case"] = first["case"]
    second.body["report"] = envelope.seal(
        b"{}",
        [org.a.public_key, org.b.public_key, second.keys.public_key],
        f"org:{org.org.public_id}/case:{first['case']}/report",
    )
    before = stored(db_session)
    response = client.post(f"/r/{org.slug}/api/reports", json=second.body)
    assert (response.status_code, response.json["error"]) == (409, "conflict")
    assert stored(db_session) == before


def test_handlers_are_told_by_email_without_content(
    client: FlaskClient, db_session: Session, org: Org, outbox: Any
) -> None:
    phrase = support.canary()
    document = {**DOCUMENT, "what": phrase}
    response, _ = submit(
        client, org, [org.b.public_key], excluded=[org.membership(org.a)], document=document
    )
    assert response.status_code == 201
    mails = outbox()
    assert [m["To"] for m in mails] == [org.b.email]  # not the excluded handler
    text = mails[0].get_content()
    assert phrase not in text and phrase not in str(mails[0])
    assert "http://localhost/" in text
    assert "Teater Test" in text
