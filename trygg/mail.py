"""A tiny mailer: notifications that something happened, never what.

`send_mail(to, subject, body)` sends one plain-text message; `send_mail_later` does the SMTP
part on a background thread (for requests that must not wait on a mail server). With
`TRYGG_SMTP_HOST` set it goes through SMTP (STARTTLS by default); without it (development,
tests) the message is written as an `.eml` file to the outbox folder (`TRYGG_MAIL_OUTBOX`),
so a developer can read it and a test can assert on it.

Callers put no report content in a message: a subject, a line or two, and a link.
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

from trygg.config import Config

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server or written to the outbox."""


def _message(config: Config, to: str, subject: str, body: str) -> EmailMessage:
    if "\n" in to or "\r" in to or "\n" in subject or "\r" in subject:
        raise ValueError("header injection: newline in a recipient or subject")
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = to
    message["Subject"] = subject
    domain = config.mail_from.rsplit("@", 1)[-1].rstrip(">") or "trygg.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    return message


def _write_outbox(folder: str, message: EmailMessage) -> Path:
    outbox = Path(folder)
    outbox.mkdir(parents=True, exist_ok=True)
    # A random name: the outbox must not become a precise log of when reports arrived
    # beyond what the file system records anyway.
    path = outbox / f"{secrets.token_hex(8)}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(bytes(message))
    os.replace(tmp, path)
    return path


def _send_smtp(config: Config, message: EmailMessage) -> None:
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=20) as smtp:
        if config.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password)
        smtp.send_message(message)


def send_mail(to: str, subject: str, body: str, *, config: Config | None = None) -> None:
    """Send one plain-text message (SMTP, or the outbox folder when no SMTP host is set).

    Raises MailError when the message could not be delivered to the next hop; callers that
    must not fail (a report was already saved) catch it.
    """
    config = config or current_app.config["TRYGG"]
    message = _message(config, to, subject, body)
    try:
        if config.smtp_host:
            _send_smtp(config, message)
        else:
            _write_outbox(config.mail_outbox, message)
    except (OSError, smtplib.SMTPException) as exc:
        # Only the class: an SMTP error can echo the recipient address.
        log.warning("mail not sent (%s)", exc.__class__.__name__)
        raise MailError(exc.__class__.__name__) from None


_queue: queue.SimpleQueue[tuple[Config, EmailMessage]] = queue.SimpleQueue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def _deliver_queued() -> None:
    while True:
        config, message = _queue.get()
        try:
            _send_smtp(config, message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail not sent (%s)", exc.__class__.__name__)


def send_mail_later(to: str, subject: str, body: str, *, config: Config | None = None) -> None:
    """Like send_mail, but an SMTP hand-off happens on a background thread, so a slow or
    unreachable mail server never holds up the request (a reporter waiting on their
    receipt). Best effort: a message queued when the process stops is lost. Without SMTP
    (the outbox) it is written at once, as send_mail does."""
    global _worker
    config = config or current_app.config["TRYGG"]
    if not config.smtp_host:
        send_mail(to, subject, body, config=config)
        return
    _queue.put((config, _message(config, to, subject, body)))
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_deliver_queued, name="trygg-mail", daemon=True)
            _worker.start()


def outbox(config: Config) -> list[EmailMessage]:
    """Messages in the outbox folder, oldest first (development and tests)."""
    from email import message_from_bytes, policy

    folder = Path(config.mail_outbox)
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]


__all__ = ["MailError", "outbox", "send_mail", "send_mail_later"]
