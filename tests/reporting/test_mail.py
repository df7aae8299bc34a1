"""trygg/mail.py: the outbox in development and tests, SMTP in production."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from trygg.config import Config
from trygg.mail import MailError, outbox, send_mail


def test_without_smtp_the_message_goes_to_the_outbox(tmp_path: Path) -> None:
    config = Config(env="testing", mail_outbox=str(tmp_path / "out"))
    send_mail("verneombud@example.test", "Trygg: noe nytt", "Logg inn: https://x/", config=config)
    [message] = outbox(config)
    assert message["To"] == "verneombud@example.test"
    assert message["Subject"] == "Trygg: noe nytt"
    assert message["From"] == config.mail_from
    assert message.get_content().strip() == "Logg inn: https://x/"
    assert list((tmp_path / "out").glob("*.tmp")) == []


def test_a_newline_in_a_header_is_refused(tmp_path: Path) -> None:
    config = Config(env="testing", mail_outbox=str(tmp_path))
    with pytest.raises(ValueError, match="header injection"):
        send_mail("a@example.test\nBcc: b@example.test", "s", "b", config=config)
    with pytest.raises(ValueError, match="header injection"):
        send_mail("a@example.test", "s\r\nBcc: b@example.test", "b", config=config)


class FakeSMTP:
    sent: list[EmailMessage] = []  # noqa: RUF012 - shared by the fake's instances
    calls: list[str] = []  # noqa: RUF012

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.calls.append(f"connect {host}:{port}")

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append("quit")

    def starttls(self, context: Any) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(f"login {user}")

    def send_message(self, message: EmailMessage) -> None:
        self.sent.append(message)


def test_with_smtp_it_uses_starttls_and_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent.clear()
    FakeSMTP.calls.clear()
    config = Config(
        env="testing",
        smtp_host="smtp.example.test",
        smtp_port=2525,
        smtp_user="trygg",
        smtp_password="pw",
    )
    send_mail("a@example.test", "s", "b", config=config)
    assert FakeSMTP.calls == ["connect smtp.example.test:2525", "starttls", "login trygg", "quit"]
    assert FakeSMTP.sent[0]["To"] == "a@example.test"


def test_a_failing_server_raises_mail_error_without_details(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise smtplib.SMTPRecipientsRefused({"a@example.test": (550, b"no such user")})

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    with pytest.raises(MailError):
        send_mail("a@example.test", "s", "b", config=Config(env="testing", smtp_host="h"))
    assert "a@example.test" not in caplog.text


def test_later_hands_smtp_to_a_background_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from trygg.mail import send_mail_later

    delivered = threading.Event()
    seen: list[str] = []

    class Recorder(FakeSMTP):
        def send_message(self, message: EmailMessage) -> None:
            seen.append(threading.current_thread().name)
            delivered.set()

    monkeypatch.setattr(smtplib, "SMTP", Recorder)
    send_mail_later("a@example.test", "s", "b", config=Config(env="testing", smtp_host="h"))
    assert delivered.wait(timeout=10)
    assert seen == ["trygg-mail"]


def test_later_without_smtp_writes_the_outbox_at_once(tmp_path: Path) -> None:
    from trygg.mail import send_mail_later

    config = Config(env="testing", mail_outbox=str(tmp_path))
    send_mail_later("a@example.test", "s", "b", config=config)
    assert [m["To"] for m in outbox(config)] == ["a@example.test"]
