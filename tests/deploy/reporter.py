"""A reporter's browser, as plain HTTP: what the page's JavaScript sends, sealed in Python
(crypto.envelope is byte-compatible with /static/js/envelope.js), through the tier.

Each reporter connects from its own loopback address (127.0.0.0/8), so parallel reporters
are distinct clients to nginx and the rate limiter, as they would be in life.
"""

from __future__ import annotations

import base64
import json
import os
import re
from typing import Any

import requests

from accounts.models import Organisation
from casework import intake
from crypto import envelope, receipt
from tests.deploy.conftest import client_from
from tests.deploy.tier import Tier
from tests.reporting.support import Sealed, sealed_submission
from trygg.extensions import db

SLUG = "demo"
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
BROWSER = {"Sec-Fetch-Site": "same-origin", "Origin": "null"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_report(tier: Tier, text: str) -> Sealed:
    """A report sealed to the organisation's handlers and the reporter's own key."""
    with tier.app.app_context():
        org = db.session.query(Organisation).filter_by(slug=SLUG).one()
        chosen = intake.route(intake.handlers(db.session, org), [])
        sealed = sealed_submission(org, [h.public_key for h in chosen],
                                   {"type": "trygg/report", "v": 1, "lang": "nb", "what": text})
        db.session.remove()
    return sealed


class Reporter:
    def __init__(self, tier: Tier, address: str = "127.0.0.1") -> None:
        self.tier = tier
        self.http = client_from(tier, address)
        self.session_token = ""

    def form_token(self) -> str:
        page = self.http.get(self.tier(f"/r/{SLUG}/report"), timeout=30)
        found = TOKEN.search(page.text)
        assert page.status_code == 200 and found, page.status_code
        return found.group(1)

    def submit(self, sealed: Sealed, token: str) -> requests.Response:
        return self.http.post(self.tier(f"/r/{SLUG}/api/reports"), json=sealed.body,
                              headers={**BROWSER, "X-Trygg-Token": token}, timeout=60)

    def sign_in(self, sealed: Sealed) -> None:
        answer = self.http.post(
            self.tier(f"/r/{SLUG}/api/session"),
            json={"lookup_token": b64(sealed.keys.lookup_token)},
            headers={**BROWSER, "X-Trygg-Token": self.form_token()}, timeout=30)
        assert answer.status_code == 200, (answer.status_code, answer.text)
        self.session_token = answer.json()["token"]

    def case(self) -> dict[str, Any]:
        answer = self.http.get(self.tier(f"/r/{SLUG}/api/case"), timeout=30)
        assert answer.status_code == 200, answer.status_code
        return dict(answer.json())

    def read_report(self, sealed: Sealed) -> dict[str, Any]:
        case = self.case()
        opened = envelope.unseal(case["report"], sealed.keys.private_key,
                                 case["context"] + "/report")
        return dict(json.loads(opened))

    def seal_message(self, case: dict[str, Any], text: str) -> dict[str, Any]:
        keys = [base64.urlsafe_b64decode(k + "=" * (-len(k) % 4)) for k in case["recipients"]]
        body = envelope.seal(json.dumps({"type": "trygg/message", "v": 1, "text": text}).encode(),
                             keys, case["context"] + "/message")
        return {"kind": "message", "body": body, "idempotency_key": b64(os.urandom(32))}

    def send(self, message: dict[str, Any]) -> requests.Response:
        return self.http.post(self.tier(f"/r/{SLUG}/api/messages"), json=message,
                              headers={**BROWSER, "X-Trygg-Token": self.session_token},
                              timeout=60)

    def read_messages(self, sealed: Sealed) -> list[str]:
        case = self.case()
        texts = []
        for item in case["items"]:
            if item["kind"] == "message" and item["body"]:
                body = item["body"]
                opened = envelope.unseal(json.loads(body) if isinstance(body, str) else body,
                                         sealed.keys.private_key, case["context"] + "/message")
                texts.append(json.loads(opened)["text"])
        return texts


__all__ = ["Reporter", "new_report", "receipt"]
