"""Envelope contexts: what binds a sealed item to its organisation, case and purpose.

One place for every suffix, used by the reporter's side (casework/intake.py), the handler's
pages (which get the full strings from the server, so browser and server cannot disagree)
and the offline bundle tool. A context is authenticated by the envelope:
an item moved to another case, or a note passed off as a report, fails to open.
"""

from __future__ import annotations

from casework.models import Case

REPORT = "/report"  # the report document
MESSAGE = "/message"  # messages, notes, additions and consent, from either side
ATTACHMENT = "/attachment"  # the file key of an attachment stream
ATTACHMENT_META = "/attachment-meta"  # {name, type, size, ...} of an attachment
HANDOFF = "/handoff"  # the anonymised summary for the employer


def report_context(case: Case) -> str:
    return case.context + REPORT


def message_context(case: Case) -> str:
    """Messages, notes, additions and consent in the thread share this context."""
    return case.context + MESSAGE


def attachment_key_context(case: Case) -> str:
    return case.context + ATTACHMENT


def attachment_meta_context(case: Case) -> str:
    return case.context + ATTACHMENT_META


def handoff_context(case: Case) -> str:
    return case.context + HANDOFF
