"""Concurrency and faults as deployed: parallel downloads, two writers on one thread, a node
killed during a burst of reports, and database connections cut mid-transaction."""

from __future__ import annotations

import io
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import requests
from sqlalchemy import func, select

from casework import intake
from casework.models import Attachment, Case
from crypto import envelope, stream
from tests.deploy.reporter import Reporter, new_report
from tests.deploy.tier import Tier, wait_until
from tests.reporting.support import Sealed
from trygg import clock
from trygg.extensions import db


def _pg(tier: Tier) -> psycopg.Connection[Any]:
    return psycopg.connect(tier.database_url.replace("postgresql+psycopg://", "postgresql://"),
                           autocommit=True)


def _filed(tier: Tier, text: str, address: str) -> tuple[Reporter, Sealed]:
    reporter = Reporter(tier, address)
    sealed = new_report(tier, text)
    answer = reporter.submit(sealed, reporter.form_token())
    assert answer.status_code == 201, (answer.status_code, answer.text)
    reporter.sign_in(sealed)
    return reporter, sealed


def _attach(tier: Tier, sealed: Sealed, data: bytes) -> str:
    """An attachment on the reporter's case, stored as the upload path stores it."""
    with tier.app.app_context():
        case = db.session.scalar(select(Case).where(Case.public_id == sealed.case_id))
        assert case is not None
        keys = intake.recipient_keys(db.session, case)
        key, pieces = stream.encrypt_stream(io.BytesIO(data), keys, case.context + "/attachment")
        meta = envelope.seal(json.dumps({"name": "a.txt", "type": "text/plain",
                                         "size": len(data)}).encode(),
                             keys, case.context + "/attachment-meta")
        intake.store_stream(db.session, case, key=key, meta=meta, stream=pieces,
                            limits=intake.Limits(10**8, 10**9), today=clock.today(),
                            size=len(data))
        db.session.commit()
        file_id = str(db.session.scalars(
            select(Attachment.public_id).where(Attachment.case_id == case.id)).one())
        db.session.remove()
    return file_id


def test_twenty_parallel_downloads_leave_the_service_answering(live: Tier) -> None:
    reporter, sealed = _filed(live, "Nedlastinger i parallell.", "127.0.1.1")
    file_id = _attach(live, sealed, b"vedlegg " * 2000)
    url = live(f"/r/demo/api/attachments/{file_id}/data")
    cookies = reporter.http.cookies

    def download(_: int) -> int:
        client = live.client()
        client.cookies.update(cookies)
        return int(client.get(url, timeout=60).status_code)

    with ThreadPoolExecutor(max_workers=20) as pool:  # three waves of twenty
        codes = list(pool.map(download, range(60)))
    assert codes == [200] * 60
    started = time.monotonic()
    page = live.client().get(live("/r/demo"), timeout=30)
    assert page.status_code == 200
    assert time.monotonic() - started < 3.0  # the pool was given back, not held


def test_two_messages_at_the_same_moment_are_both_kept(live: Tier) -> None:
    reporter, sealed = _filed(live, "To meldinger samtidig.", "127.0.1.2")
    case = reporter.case()
    messages = [reporter.seal_message(case, f"Melding {i}") for i in range(2)]
    gate = threading.Barrier(2)

    def send(message: dict[str, Any]) -> int:
        gate.wait()
        return int(reporter.send(message).status_code)

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = list(pool.map(send, messages))
    assert codes == [201, 201]
    assert sorted(reporter.read_messages(sealed)) == ["Melding 0", "Melding 1"]

    # A resend after a lost answer is a replay, not a second message.
    again = reporter.send(messages[0])
    assert again.status_code in (200, 201)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(reporter.read_messages(sealed)) == 2


def _submit_until_receipted(tier: Tier, index: int, done: list[int]) -> tuple[Sealed, int]:
    """One reporter in the burst: resend the same sealed report until it is receipted."""
    reporter = Reporter(tier, f"127.0.2.{index + 1}")
    sealed = new_report(tier, f"Rapport nummer {index} i en bølge.")
    token = reporter.form_token()
    tries = 0
    while True:
        tries += 1
        try:
            answer = reporter.submit(sealed, token)
        except requests.ConnectionError:
            continue
        if answer.status_code == 201:
            done.append(index)
            return sealed, tries
        assert answer.status_code in (502, 503, 504), (answer.status_code, answer.text)
        assert tries < 10


def test_a_node_killed_during_a_burst_loses_no_receipted_report(live: Tier) -> None:
    done: list[int] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(_submit_until_receipted, live, i, done) for i in range(24)]
        wait_until(lambda: len(done) >= 4, 60, "the first receipts")
        live.nodes[0].kill()
        results = [f.result(timeout=120) for f in futures]
    assert not live.nodes[0].alive and live.nodes[1].alive

    with live.app.app_context():
        ids = [s.case_id for s, _ in results]
        stored = db.session.scalar(select(func.count()).select_from(Case)
                                   .where(Case.public_id.in_(ids)))
        db.session.remove()
    assert stored == len(results)  # every report once, resends included
    for i, (sealed, _) in enumerate(results):
        reader = Reporter(live, f"127.0.3.{i + 1}")
        reader.sign_in(sealed)
        assert reader.read_report(sealed)["what"] == f"Rapport nummer {i} i en bølge."


def test_database_connections_cut_mid_transaction(live: Tier) -> None:
    """A request whose connection dies while it holds a transaction fails cleanly (503),
    stores nothing, and its resend succeeds."""
    reporter = Reporter(live, "127.0.4.1")
    sealed = new_report(live, "Tilkoblingen ble brutt.")
    token = reporter.form_token()
    database = live.database_url.rsplit("/", 1)[1]
    answers: list[requests.Response] = []
    with _pg(live) as locker, _pg(live) as watcher:
        locker.execute("BEGIN")
        locker.execute('LOCK TABLE "case" IN ACCESS EXCLUSIVE MODE')
        sender = threading.Thread(target=lambda: answers.append(reporter.submit(sealed, token)))
        sender.start()

        def blocked() -> list[Any]:
            return watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = "
                "'Lock' AND pid <> pg_backend_pid()", (database,)).fetchall()

        wait_until(lambda: bool(blocked()), 30, "the app's request to wait on the lock")
        for (pid,) in blocked():
            watcher.execute("SELECT pg_terminate_backend(%s)", (pid,))
        locker.execute("ROLLBACK")
        sender.join(timeout=60)
    assert answers and answers[0].status_code == 503, answers[0].text if answers else None
    with live.app.app_context():
        assert db.session.scalar(select(Case).where(Case.public_id == sealed.case_id)) is None
        db.session.remove()

    again = reporter.submit(sealed, token)
    assert again.status_code == 201, again.text
    reporter.sign_in(sealed)
    assert reporter.read_report(sealed)["what"] == "Tilkoblingen ble brutt."


def test_daily_jobs_started_on_both_nodes_at_once_work_once(live: Tier) -> None:
    """cron on every node: the job runs once (an advisory lock in PostgreSQL), and a node
    that finds the lock taken says so and sends nothing."""
    from datetime import timedelta

    from trygg.jobs import lock_key

    _filed(live, "Ingen har svart ennå.", "127.0.6.1")  # unacknowledged: a reminder is due
    day = (clock.today() + timedelta(days=30)).isoformat()

    def mails() -> int:
        return len(list(live.outbox.glob("*.eml")))

    before = mails()
    with _pg(live) as holder:  # another node is sending them right now
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_key("reminders"),))
        held = live.flask("trygg", "reminders", "--on", day)
        holder.execute("SELECT pg_advisory_unlock(%s)", (lock_key("reminders"),))
    assert "another server" in held.stdout and mails() == before

    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = [r.stdout for r in pool.map(
            lambda _: live.flask("trygg", "reminders", "--on", day), range(2))]
    assert sum("skipped" in out for out in outputs) == 1, outputs
    sent = mails() - before
    assert sent >= 1
    again = live.flask("trygg", "reminders", "--on", day)
    assert "sent already" in again.stdout and mails() - before == sent
