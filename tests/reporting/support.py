"""Helpers for the reporter tests: handler keys, replies, sealed submissions, canary scans."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Membership, Organisation, Person
from casework import intake
from casework.models import Case
from crypto import envelope, keywrap, receipt
from crypto import stream as stream_v1


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def canary() -> str:
    """A phrase that cannot occur by accident."""
    return f"CANARY-{uuid.uuid4().hex}"


def handler_key(session: Session, org: Organisation, title: str, passphrase: str) -> bytes:
    """Unwrap a handler's private key the way their browser does (fast test iterations)."""
    person = session.scalar(
        select(Person)
        .join(Membership)
        .where(
            Membership.organisation_id == org.id,
            Membership.role == "handler",
            Membership.title == title,
        )
    )
    assert person is not None and person.wrapped_private_key is not None
    return keywrap.unwrap_private_key(
        json.loads(person.wrapped_private_key), passphrase, person.public_key
    )


def kid_of(session: Session, org: Organisation, title: str) -> str:
    person = session.scalar(
        select(Person)
        .join(Membership)
        .where(Membership.organisation_id == org.id, Membership.title == title)
    )
    assert person is not None
    return envelope.kid(person.public_key)


def open_report(case: Case, key: bytes) -> dict[str, Any]:
    assert case.report is not None
    return json.loads(
        envelope.unseal(json.loads(case.report), key, intake.case_context(case, intake.REPORT))
    )


def open_message(case: Case, body: str, key: bytes) -> dict[str, Any]:
    return json.loads(
        envelope.unseal(json.loads(body), key, intake.case_context(case, intake.MESSAGE))
    )


def open_attachment(
    session: Session, case: Case, attachment: Any, key: bytes
) -> tuple[dict[str, Any], bytes]:
    meta = json.loads(
        envelope.unseal(
            json.loads(attachment.meta), key, intake.case_context(case, intake.ATTACHMENT_META)
        )
    )
    data = b"".join(
        stream_v1.decrypt_stream(
            json.loads(attachment.key),
            intake.attachment_stream(session, attachment),
            key,
            intake.case_context(case, intake.ATTACHMENT),
        )
    )
    return meta, data


def reply_as_handler(session: Session, case: Case, membership_title: str, text: str) -> None:
    """A handler's reply, sealed in Python as the handler's browser would seal it."""
    from casework import services

    membership = session.scalar(
        select(Membership).where(
            Membership.organisation_id == case.organisation_id, Membership.title == membership_title
        )
    )
    keys = intake.recipient_keys(session, case)
    body = envelope.seal(
        json.dumps({"type": "trygg/message", "v": 1, "text": text}).encode(),
        keys,
        intake.case_context(case, intake.MESSAGE),
    )
    services.add_message(
        session, case, sender="handler", kind="message", body=json.dumps(body), author=membership
    )


@dataclass
class Sealed:
    """A report sealed as the browser seals it, with the receipt it belongs to."""

    body: dict[str, Any]
    receipt: str
    keys: receipt.ReceiptKeys
    case_id: uuid.UUID


def sealed_submission(
    org: Organisation,
    recipients: Iterable[bytes],
    document: dict[str, Any],
    *,
    excluded: Iterable[str] = (),
    extra_keys: Iterable[bytes] = (),
) -> Sealed:
    code = receipt.generate()
    keys = receipt.derive(code)
    case_id = uuid.uuid4()
    report = envelope.seal(
        json.dumps(document).encode(),
        [*recipients, keys.public_key, *extra_keys],
        f"org:{org.public_id}/case:{case_id}/report",
    )
    body = {
        "case": str(case_id),
        "idempotency_key": b64(os.urandom(32)),
        "lookup_token": b64(keys.lookup_token),
        "reporter_public_key": b64(keys.public_key),
        "excluded": list(excluded),
        "report": report,
    }
    return Sealed(body, code, keys, case_id)


def jpeg_with_gps(note: str) -> bytes:
    """A small JPEG carrying EXIF (a description and a GPS position)."""
    from PIL import Image

    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010E] = note  # ImageDescription
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (59.0, 54.0, 43.0)
    gps[3] = "E"
    gps[4] = (10.0, 45.0, 13.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def has_exif(data: bytes) -> bool:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return len(image.getexif()) > 0 or "exif" in image.info


# -- where plaintext must never be --------------------------------------------------------

SKIP_DIRS = ("playwright", ".org.chromium", "chromium")  # the test browser's own profile


def _files_under(root: Path, since: float) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: None):
        dirnames[:] = [d for d in dirnames if not d.startswith(SKIP_DIRS)]
        for name in filenames:
            path = Path(dirpath) / name
            try:
                stat = path.stat()
            except OSError:
                continue
            if stat.st_mtime >= since and 0 < stat.st_size < 256 * 1024 * 1024:
                yield path


def files_containing(needle: bytes, roots: Iterable[Path], since: float) -> list[Path]:
    found = []
    for root in roots:
        for path in _files_under(root, since):
            try:
                if needle in path.read_bytes():
                    found.append(path)
            except OSError:
                continue
    return found


def sqlite_files(url: str) -> list[Path]:
    path = Path(url.removeprefix("sqlite:///"))
    return [
        p
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal"), Path(f"{path}-shm"))
        if p.exists()
    ]


def pg_dump(url: str) -> bytes:
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    return subprocess.run(
        ["pg_dump", "--no-owner", plain], check=True, capture_output=True, timeout=120
    ).stdout


def database_contains(needle: bytes, url: str) -> list[str]:
    """Places in the database's storage (SQLite file, WAL, journal) or dump holding needle."""
    if url.startswith("sqlite:///"):
        return [str(p) for p in sqlite_files(url) if needle in p.read_bytes()]
    return ["pg_dump"] if needle in pg_dump(url) else []


def temp_roots() -> list[Path]:
    return [Path(tempfile.gettempdir())]


def now() -> float:
    return time.time() - 1
