"""Reporter-side services: sealing on the server (the path without JavaScript), receipts
for that path, stripping image metadata, and telling handlers that something arrived.

Everything here works in memory. Plaintext from the form without JavaScript is sealed before
any database call is made, and dropped when the request ends.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import os
import threading
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from accounts.models import Organisation
from casework import intake
from casework.models import Case
from crypto import envelope as envelope_v1
from crypto import receipt as receipts
from crypto import stream as stream_v1
from crypto.errors import ReceiptTypoError
from trygg.mail import MailError, send_mail_later
from trygg.urls import external_base

log = logging.getLogger(__name__)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Larger images are kept as sent (with a warning), never decoded. Decoding costs about four
# bytes a pixel whatever the file's size: an 8944×8944 PNG of 227 KiB took 861 MiB when the
# cap was 80 MP. 24 MP is more than any phone camera's photo (bench/images.py).
MAX_IMAGE_PIXELS = 24_000_000
# One image decoded at a time in a worker process, whichever thread asks; a thread that
# waits longer than this keeps its image as sent rather than hold a request.
_IMAGE_SLOT = threading.BoundedSemaphore(1)
IMAGE_WAIT_SECONDS = 30.0


def today() -> date:
    """Reporter-side times are Norwegian calendar dates, never timestamps."""
    from casework.services import today as casework_today

    return casework_today()


def limits() -> intake.Limits:
    config = current_app.config["TRYGG"]
    return intake.Limits(config.attachment_max_file, config.attachment_max_case,
                         daily=config.intake_daily_bytes, min_free=config.min_free_disk,
                         disk_path=config.disk_guard_path or current_app.instance_path)


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


# -- receipts for the path without JavaScript ---------------------------------------------


def receipt_for(idempotency_key: bytes) -> str:
    """The receipt of a form sent without JavaScript, derived from the form's idempotency key.

    The same form sent twice (a double click, a reload after a lost response) shows the same
    receipt, so a reporter whose first answer got lost still gets a working receipt. It takes
    both the server secret and the one-off key that only that form page carried to compute.
    """
    digest = hmac.new(_secret().encode(), b"trygg/v1/nojs-receipt\x00" + idempotency_key,
                      hashlib.sha256).digest()
    data = "".join(CROCKFORD[b & 31] for b in digest[: receipts.DATA_SYMBOLS])
    for check in CROCKFORD:  # exactly one check symbol makes a valid receipt
        try:
            return receipts.parse(data + check)
        except ReceiptTypoError:
            continue
    raise AssertionError("no check symbol fits")  # pragma: no cover - GF(32) always has one


# -- images -------------------------------------------------------------------------------


def strip_image(data: bytes, content_type: str) -> bytes | None:
    """The image re-encoded without EXIF, GPS, XMP, comments or colour profiles, or None
    when it is not an image we can safely re-encode (then it is kept as sent)."""
    fmt = IMAGE_FORMATS.get(content_type)
    if fmt is None:
        return None
    if not _IMAGE_SLOT.acquire(timeout=IMAGE_WAIT_SECONDS):
        return None
    try:
        return _reencode(data, fmt)
    finally:
        _IMAGE_SLOT.release()


def _reencode(data: bytes, fmt: str) -> bytes | None:
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Image.open reads the header only: the size is known before any pixel is.
            with Image.open(io.BytesIO(data)) as image:
                if image.format != fmt or image.width * image.height > MAX_IMAGE_PIXELS:
                    return None
                if fmt == "JPEG":
                    # Decode straight into the mode we save (no CMYK copy to convert later);
                    # the size stays: draft never scales when asked for the full size.
                    image.draft("L" if image.mode == "L" else "RGB", image.size)
                image.load()
                # In place: no second full-size copy; then drop every ancillary chunk.
                ImageOps.exif_transpose(image, in_place=True)
                image.info.clear()
                clean: Image.Image = image
                if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
                    clean = clean.convert("RGB")
                out = io.BytesIO()
                options: dict[str, Any] = {"quality": 92} if fmt in ("JPEG", "WEBP") else {}
                clean.save(out, format=fmt, exif=b"", **options)
                return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning,
            Image.DecompressionBombError):
        return None


# -- sealing on the server ----------------------------------------------------------------


@dataclass
class Upload:
    """A file from the form without JavaScript, in memory."""

    name: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class SealedFile:
    key: dict[str, Any]
    meta: dict[str, Any]
    stream: list[bytes] = field(repr=False)
    size: int
    stripped: bool
    name: str


def seal_json(document: dict[str, Any], recipients: list[bytes], context: str) -> dict[str, Any]:
    plaintext = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return envelope_v1.seal(plaintext, recipients, context)


def seal_file(
    upload: Upload, recipients: list[bytes], org: Organisation | intake.Destination,
    case_id: uuid.UUID,
) -> SealedFile:
    """Strip metadata from images, then seal the file (stream v1) and its metadata."""
    clean = strip_image(upload.data, upload.content_type)
    data = clean if clean is not None else upload.data
    name = os.path.basename(upload.name.replace("\\", "/"))[:200] or "file"
    meta = {"name": name, "type": upload.content_type[:100], "size": len(data),
            "stripped": clean is not None}
    key, pieces = stream_v1.encrypt_stream(
        io.BytesIO(data), recipients, intake.context(org, case_id, intake.ATTACHMENT)
    )
    sealed_meta = seal_json(meta, recipients, intake.context(org, case_id, intake.ATTACHMENT_META))
    return SealedFile(key, sealed_meta, list(pieces), len(data), clean is not None, name)


@dataclass(frozen=True)
class ServerSealed:
    """A report sealed on the server: everything `open_case` needs, and the receipt to show."""

    submission: intake.Submission
    receipt: str = field(repr=False)
    files: list[SealedFile] = field(repr=False)


def seal_report(
    org: intake.Destination,
    document: dict[str, Any],
    *,
    excluded: frozenset[uuid.UUID],
    idempotency_key: bytes,
    uploads: Iterable[Upload] = (),
) -> ServerSealed:
    """Seal a report made without JavaScript, in memory, exactly as the browser would."""
    receipt = receipt_for(idempotency_key)
    keys = receipts.derive(receipt)
    recipients = intake.route(org.handlers, excluded)
    public_keys = [h.public_key for h in recipients] + [keys.public_key]
    digest = hmac.new(_secret().encode(), b"trygg/v1/nojs-case\x00" + idempotency_key,
                      hashlib.sha256).digest()
    case_id = uuid.UUID(bytes=digest[:16], version=4)
    report = seal_json(document, public_keys, intake.context(org, case_id, intake.REPORT))
    files = [seal_file(u, public_keys, org, case_id) for u in uploads]
    submission = intake.Submission(
        case_id=case_id, lookup_token=keys.lookup_token, reporter_public_key=keys.public_key,
        report=report, idempotency_key=idempotency_key, excluded=excluded,
    )
    return ServerSealed(submission, receipt, files)


def store_files(session: Session, case: Case, files: Iterable[SealedFile], *,
                message: Any = None) -> None:
    for f in files:
        intake.store_stream(
            session, case, key=f.key, meta=f.meta, stream=f.stream, limits=limits(),
            today=today(), size=f.size, message=message,
        )


def seal_for_case(session: Session, case: Case, document: dict[str, Any]) -> dict[str, Any]:
    """Seal a follow-up item (without JavaScript) to the case's handlers and the reporter."""
    return seal_json(document, intake.recipient_keys(session, case),
                     intake.case_context(case, intake.MESSAGE))


def seal_files_for_case(
    session: Session, case: Case, uploads: Iterable[Upload]
) -> list[SealedFile]:
    keys = intake.recipient_keys(session, case)
    return [seal_file(u, keys, case.organisation, case.public_id) for u in uploads]


# -- telling the handlers -----------------------------------------------------------------


def _inbox_link(org_slug: str) -> str:
    base = external_base()
    candidates: list[tuple[str, dict[str, Any]]] = [
        ("casework.inbox", {"org_slug": org_slug}), ("accounts.login", {})]
    for endpoint, values in candidates:
        try:
            return base + url_for(endpoint, **values)
        except BuildError:
            continue
    return base + "/"


@dataclass(frozen=True)
class Notice:
    """What a notification needs, gathered before the commit (no database access after it)."""

    org_name: str
    org_slug: str
    emails: tuple[str, ...]
    what: str  # report | message


def notify_window() -> float:
    config = current_app.config["TRYGG"]
    default = 0.0 if config.env == "testing" else 120.0
    return float(config.extra.get("notify_window_seconds", default))


def notice_for_case(session: Session, case: Case, what: str) -> Notice:
    from accounts.models import Membership, Person
    from casework.models import CaseHandler

    emails = session.scalars(
        select(Person.email)
        .join(Membership, Membership.person_id == Person.id)
        .join(CaseHandler, CaseHandler.membership_id == Membership.id)
        .where(CaseHandler.case_id == case.id, Person.active.is_(True))
    ).all()
    org = case.organisation
    return Notice(org.name, org.slug, tuple(emails), what)


def _send_notice(due: Any) -> bool:
    from casework import notices

    subject, body = notices.mail_for(due, _inbox_link(due.membership.organisation.slug))
    try:
        send_mail_later(due.membership.person.email, subject, body)
    except MailError:
        return False
    return True


def notify(notice: Notice) -> int:
    """Tell each handler that something new is waiting: no content, no case, no time of day
    beyond the mail's own – the organisation, counts and a link. Coalesced by delaying,
    never by dropping (casework/notices.py): what arrives within the window of an earlier
    mail goes out in one mail when the window ends (`flask trygg notices`, every minute).
    Called after the reporter's data is committed; returns how many mails were handed on
    now. A failure here never undoes what the reporter sent."""
    from sqlalchemy.exc import SQLAlchemyError

    from accounts.models import Membership, Person
    from casework import notices
    from trygg.database import utcnow
    from trygg.extensions import db

    session = db.session()
    window = notify_window()
    try:
        ids = session.scalars(
            select(Membership.id).join(Person, Person.id == Membership.person_id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Organisation.slug == notice.org_slug, Membership.role == "handler",
                   Person.email.in_(notice.emails))
        ).all()
        now = utcnow()
        notices.queue(session, ids, notice.what, now=now, window=window)
        session.commit()
        return notices.send_due(session, now=now, send=_send_notice, only=ids, window=window)
    except SQLAlchemyError as exc:
        session.rollback()
        log.warning("notice not queued (%s)", exc.__class__.__name__)
        return 0


__all__ = [
    "Notice",
    "SealedFile",
    "ServerSealed",
    "Upload",
    "limits",
    "notice_for_case",
    "notify",
    "receipt_for",
    "seal_file",
    "seal_for_case",
    "seal_json",
    "seal_report",
    "store_files",
    "strip_image",
    "today",
]
