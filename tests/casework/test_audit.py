"""The audit chain: every break is found, and the command says so."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text, update

from casework import audit
from casework.models import AuditEntry, AuditHead


@pytest.fixture()
def chain(db_session: Any, team: Any) -> list[AuditEntry]:
    org = team.org
    entries = [
        audit.append(db_session, f"test.action{i}", organisation_id=org.id, case_id=i % 2 or None,
                     actor_id=7, detail=f"d{i}")
        for i in range(6)
    ]
    return entries


def _problems(db_session: Any) -> list[str]:
    return [p.what for p in audit.verify(db_session).problems]


def test_an_untouched_chain_verifies(db_session: Any, chain: list[AuditEntry]) -> None:
    result = audit.verify(db_session)
    assert result.ok, result.problems
    assert result.head_seq == chain[-1].seq
    assert result.entries >= 6
    assert chain[1].prev_hash == chain[0].hash


def test_an_edited_entry_is_found(db_session: Any, chain: list[AuditEntry]) -> None:
    db_session.execute(update(AuditEntry).where(AuditEntry.seq == chain[2].seq)
                       .values(detail="innocent"))
    problems = audit.verify(db_session).problems
    assert [p.seq for p in problems] == [chain[2].seq]
    assert "edited" in problems[0].what


def test_an_edited_actor_or_time_is_found(db_session: Any, chain: list[AuditEntry]) -> None:
    db_session.execute(update(AuditEntry).where(AuditEntry.seq == chain[1].seq)
                       .values(actor_id=99))
    assert [p.seq for p in audit.verify(db_session).problems] == [chain[1].seq]


def test_a_deleted_entry_is_found(db_session: Any, chain: list[AuditEntry]) -> None:
    db_session.execute(text("DELETE FROM audit_entry WHERE seq = :s"), {"s": chain[3].seq})
    problems = audit.verify(db_session).problems
    assert problems and problems[0].seq == chain[4].seq
    assert any("missing" in p.what for p in problems)


def test_reordered_entries_are_found(db_session: Any, chain: list[AuditEntry]) -> None:
    a, b = chain[1], chain[2]
    # Swap everything but seq between two entries (what an attacker reordering would do).
    columns = ("at", "action", "detail", "actor_id", "case_id", "prev_hash", "hash")
    first = {c: getattr(a, c) for c in columns}
    second = {c: getattr(b, c) for c in columns}
    db_session.execute(update(AuditEntry).where(AuditEntry.seq == a.seq)
                       .values(hash=b"\x01" * 32))
    db_session.execute(update(AuditEntry).where(AuditEntry.seq == b.seq).values(**first))
    db_session.execute(update(AuditEntry).where(AuditEntry.seq == a.seq).values(**second))
    problems = audit.verify(db_session).problems
    assert {p.seq for p in problems} >= {a.seq, b.seq}


def test_entries_cut_from_the_end_are_found(db_session: Any, chain: list[AuditEntry]) -> None:
    db_session.execute(text("DELETE FROM audit_entry WHERE seq = :s"), {"s": chain[-1].seq})
    problems = audit.verify(db_session).problems
    assert [p.seq for p in problems] == [None]
    assert "head" in problems[0].what


def test_deleting_the_newest_entries_and_moving_the_head_back_is_found(
    app: Flask, db_session: Any, chain: list[AuditEntry]
) -> None:
    """The review's attack: no secret needed, and `flask audit verify` said "intact"."""
    noted = audit.current_head(db_session)
    db_session.execute(text("DELETE FROM audit_entry WHERE seq >= :s"), {"s": chain[-2].seq})
    head = db_session.get(AuditHead, audit.HEAD_ID)
    head.seq, head.hash = chain[-3].seq, chain[-3].hash
    db_session.flush()
    problems = _problems(db_session)
    assert any("MAC does not match" in p for p in problems), problems
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "intact" not in result.output
    # An anchor noted outside the database (bundle, reminder mail) catches it too.
    anchored = audit.verify(db_session, anchors=[noted]).problems
    assert any("noted outside the database" in p.what for p in anchored)


def test_an_anchor_from_a_mail_or_bundle_holds_while_the_log_grows(
    app: Flask, db_session: Any, chain: list[AuditEntry], team: Any
) -> None:
    seq, digest = audit.current_head(db_session)
    audit.append(db_session, "test.later", organisation_id=team.org.id)
    assert audit.verify(db_session, anchors=[(seq, digest)]).ok
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor",
                                                f"{seq}:{digest.hex()}"])
    assert result.exit_code == 0, result.output
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor",
                                                f"{seq}:{'00' * 32}"])
    assert result.exit_code == 1


def test_a_head_from_before_head_macs_is_sealed_once(
    app: Flask, db_session: Any, chain: list[AuditEntry]
) -> None:
    head = db_session.get(AuditHead, audit.HEAD_ID)
    head.mac = None
    db_session.flush()
    assert audit.NO_MAC in _problems(db_session)
    result = app.test_cli_runner().invoke(args=["audit", "seal-head"])
    assert result.exit_code == 0, result.output
    assert audit.verify(db_session).ok


def test_flask_audit_verify(app: Flask, db_session: Any, chain: list[AuditEntry]) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    db_session.execute(update(AuditEntry).where(AuditEntry.seq == chain[0].seq)
                       .values(action="case.viewed"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"PROBLEM entry {chain[0].seq}" in result.output


def test_entries_keep_microseconds_and_utc(db_session: Any, chain: list[AuditEntry]) -> None:
    db_session.expire_all()
    stored = db_session.scalar(select(AuditEntry).where(AuditEntry.seq == chain[0].seq))
    assert stored.at.tzinfo is not None
    assert audit.hash_of(stored) == stored.hash


def _rewrite(db_session: Any, edit_seq: int, digest: Any, mac_key: bytes | None = None) -> None:
    """What someone with write access to the database does: edit one entry, then recompute
    every hash from there on, and the head, with `digest(document bytes)` (and the head's
    MAC under `mac_key`, for someone who holds the secret)."""
    import json

    table = AuditEntry.__table__
    db_session.execute(update(AuditEntry).where(AuditEntry.seq == edit_seq)
                       .values(detail="innocent"))
    prev = None
    for row in db_session.execute(select(table).order_by(table.c.seq)).all():
        if row.seq < edit_seq:
            prev = row.hash
            continue
        document = ["trygg/v1/audit", row.seq, row.at.isoformat(timespec="microseconds"),
                    row.organisation_id, row.case_id, row.actor_id, row.action, row.detail,
                    row.outcome, prev.hex()]
        new = digest(json.dumps(document, separators=(",", ":")).encode())
        db_session.execute(update(AuditEntry).where(AuditEntry.seq == row.seq)
                           .values(prev_hash=prev, hash=new))
        prev = new
    head = db_session.get(AuditHead, audit.HEAD_ID)
    head.hash = prev
    if mac_key is not None:
        from casework.chain import head_mac

        head.mac = head_mac(mac_key, head.seq, prev)
    db_session.flush()
    db_session.expire_all()


def test_a_chain_rewritten_without_the_server_secret_is_found(
    db_session: Any, chain: list[AuditEntry]
) -> None:
    import hashlib

    _rewrite(db_session, chain[2].seq, lambda data: hashlib.sha256(data).digest())
    problems = audit.verify(db_session).problems
    assert chain[2].seq in [p.seq for p in problems]
    assert "edited" in " ".join(p.what for p in problems)


def test_a_chain_rewritten_under_another_secret_is_found(
    app: Flask, db_session: Any, chain: list[AuditEntry]
) -> None:
    import hashlib
    import hmac

    from casework.chain import chain_key

    guessed = chain_key("dev-secret-change-me")
    _rewrite(db_session, chain[2].seq, lambda data: hmac.new(guessed, data, hashlib.sha256)
             .digest())
    assert chain[2].seq in [p.seq for p in audit.verify(db_session).problems]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"PROBLEM entry {chain[2].seq}" in result.output


def test_with_the_secret_only_the_noted_head_catches_a_rewrite(
    app: Flask, db_session: Any, chain: list[AuditEntry]
) -> None:
    import hashlib
    import hmac

    noted = audit.verify(db_session).head_hash
    real = audit.key()
    _rewrite(db_session, chain[2].seq, lambda data: hmac.new(real, data, hashlib.sha256).digest(),
             mac_key=real)
    assert audit.verify(db_session).ok  # whoever holds the server secret can rewrite …
    assert not audit.verify(db_session, expect_head=noted).ok  # … but not the noted head


def test_the_chain_key_is_derived_from_the_server_secret(app: Flask) -> None:
    from casework.chain import KEY_INFO, chain_key
    from crypto import serverkey

    assert KEY_INFO == b"trygg/v1/audit-chain"
    with app.app_context():
        assert audit.key() == chain_key(app.config["SECRET_KEY"])
        assert audit.key() == serverkey.derive(app.config["SECRET_KEY"], KEY_INFO)
