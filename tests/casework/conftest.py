"""Casework fixtures: cases opened the way the reporter's side opens them.

`cases.open(org, ...)` seals a report document in Python exactly as the reporting page does
(envelope v1 to the chosen handlers and the reporter's receipt key, context
`<case context>/report`) and files it through casework.intake.open_case.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from casework.models import Case
from crypto import envelope, keywrap, receipt
from tests.conftest import FAST_KDF_ITERATIONS
from trygg import clock

KEY_PASSPHRASE = "test key passphrase"
SECRET = "test-secret-" + "x" * 40


def private_key(person: Any) -> bytes:
    """A test handler's raw private key (what their browser unlocks)."""
    blob = json.loads(person.wrapped_private_key)
    return keywrap.unwrap_private_key(blob, KEY_PASSPHRASE, person.public_key)


def document(what: str = "Han tok meg på rumpa i garderoben.") -> dict[str, Any]:
    return {
        "type": "trygg/report", "v": 1, "lang": "nb", "what": what,
        "when": {"period": "last_week", "text": "etter premieren"},
        "where": {"settings": ["party"], "text": ""},
        "concerns": {"role": "leader", "text": ""}, "before": "yes_others",
        "witnesses": "", "consequences": "Jeg gruer meg til å gå på jobb.",
        "wants": ["conversation", "action"], "contact": {"name": "", "reach": "", "when": ""},
    }


@dataclass
class Opened:
    case: Any
    receipt: str
    keys: receipt.ReceiptKeys


class Cases:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open(self, org: Any, *, doc: dict[str, Any] | None = None, excluded: tuple[Any, ...] = (),
             received_on: date | None = None) -> Opened:
        from casework import intake

        code = receipt.generate()
        keys = receipt.derive(code)
        case_id = uuid.uuid4()
        available = intake.handlers(self.session, org)
        chosen = intake.route(available, [m.public_id for m in excluded])
        sealed = envelope.seal(
            json.dumps(doc or document()).encode(),
            [h.public_key for h in chosen] + [keys.public_key],
            intake.context(org, case_id, "/report"),
        )
        opened = intake.open_case(
            self.session, intake.Destination.of(self.session, org),
            intake.Submission(case_id=case_id, lookup_token=keys.lookup_token,
                              reporter_public_key=keys.public_key, report=sealed,
                              idempotency_key=secrets.token_bytes(16),
                              excluded=frozenset(m.public_id for m in excluded)),
            secret=SECRET, today=received_on or clock.today(),
        )
        self.session.flush()
        return Opened(self.session.get(Case, opened.case_id), code, keys)

    def reporter_says(self, opened: Opened, text: str, kind: str = "message") -> Any:
        """A reporter message (or consent) sealed as the follow-up page seals it."""
        from casework import intake, services

        case = opened.case
        recipients = [*services.handler_keys(self.session, case), opened.keys.public_key]
        body = envelope.seal(
            json.dumps({"type": "trygg/message", "v": 1, "lang": "nb", "text": text}).encode(),
            recipients, case.context + "/message",
        )
        if kind == "consent":
            return intake.record_consent(self.session, case, body, today=clock.today())
        return intake.add_reporter_message(self.session, case, body, kind=kind, today=clock.today())


    def attach(self, opened: Opened, data: bytes, name: str = "skjermbilde.png") -> Any:
        """An attachment stored the way the reporter's page uploads one."""
        import io

        from casework import intake, services
        from crypto import stream

        case = opened.case
        recipients = [*services.handler_keys(self.session, case), opened.keys.public_key]
        key, pieces = stream.encrypt_stream(io.BytesIO(data), recipients,
                                            case.context + "/attachment")
        meta = envelope.seal(json.dumps({"name": name, "type": "image/png",
                                         "size": len(data)}).encode(),
                             recipients, case.context + "/attachment-meta")
        return intake.store_stream(
            self.session, case, key=key, meta=meta, stream=pieces,
            limits=intake.Limits(50 * 1024 * 1024, 200 * 1024 * 1024), today=clock.today(),
            size=len(data),
        )


@pytest.fixture()
def cases(db_session: Session) -> Cases:
    return Cases(db_session)


@pytest.fixture()
def team(factory: Any) -> Any:
    """An organisation with two handlers, a leader and an admin, and another organisation's
    handler."""

    class Team:
        org = factory.org()
        vera = factory.person(org, "handler", title="Verneombud")
        rolf = factory.person(org, "handler", title="Ekstern rådgiver", external=True)
        leader = factory.person(org, "leader", title="Daglig leder")
        admin = factory.person(org, "admin")
        other_org = factory.org()
        stranger = factory.person(other_org, "handler")

        @staticmethod
        def membership(person: Any, org: Any = None) -> Any:
            return next(m for m in person.memberships
                        if m.role == "handler" and (org is None or m.organisation_id == org.id))

    return Team


def days(n: int) -> timedelta:
    return timedelta(days=n)


__all__ = ["FAST_KDF_ITERATIONS", "Cases", "Opened", "days", "document", "private_key"]
