"""A refusal in the audit trail reads as a reason, not as the stored code."""

from __future__ import annotations

from typing import Any

from casework.models import AuditEntry
from casework.presenting import audit_text


def test_a_refusal_reads_as_its_reason_in_the_page_language(app: Any) -> None:
    entry = AuditEntry(action="decisions.recorded", detail="empty_decision", outcome="refused")
    with app.test_request_context("/?lang=nb"):
        text = audit_text(entry)
    assert "empty_decision" not in text and "refused" not in text
    assert text.startswith("Avvist") or text.startswith("Nektet") or "Velg minst" in text
    with app.test_request_context("/?lang=en"):
        text = audit_text(entry)
    assert "Choose at least one recommendation" in text
    unknown = AuditEntry(action="decisions.recorded", detail="no_such_code", outcome="refused")
    with app.test_request_context("/?lang=en"):
        assert "no_such_code" not in audit_text(unknown)
