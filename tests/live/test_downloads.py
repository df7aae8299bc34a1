"""Attachment downloads and the case export stream after the request has ended: they must
not keep (or leak) the request's database connection. Run against a real server process,
where the request context really is torn down before the body is sent."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.live.client import Server
from tests.live.conftest import attach, case_path, demo, report, sign_in_handler, small_file
from tests.reporting.conftest import Database

PARALLEL = 20


@pytest.mark.parametrize("server", ["werkzeug", "gunicorn"], indirect=True)
def test_parallel_downloads_leave_the_service_answering(
    database: Database, server: Server
) -> None:
    who = demo(database)
    reporter = server.client()
    sealed = report(reporter, who)
    data = small_file()
    file_id = attach(reporter, who, sealed, data)
    handler = server.client()
    sign_in_handler(handler, who)
    case = case_path(handler)
    handler_file = f"{case}/attachments/{file_id}"

    def reporter_download(_: int) -> int:
        answer = reporter.get(f"/r/demo/api/attachments/{file_id}/data")
        return answer.status if len(answer.body) > len(data) else -answer.status

    def handler_download(_: int) -> int:
        answer = handler.get(handler_file)
        return answer.status if len(answer.body) > len(data) else -answer.status

    def export(_: int) -> int:
        return handler.get(f"{case}/export").status

    with ThreadPoolExecutor(PARALLEL) as pool:
        statuses = list(pool.map(reporter_download, range(PARALLEL)))
        statuses += list(pool.map(handler_download, range(PARALLEL)))
        statuses += list(pool.map(export, range(5)))
    assert statuses == [200] * (2 * PARALLEL + 5)

    started = time.monotonic()
    page = server.client().get("/r/demo")
    elapsed = time.monotonic() - started
    assert page.status == 200
    assert elapsed < 3.0, f"an ordinary page took {elapsed:.1f} s after the downloads"
