"""«OK eller ikke OK?» as at a start-up meeting: a facilitator, a shared screen and a dozen
phones (three real pages, one without JavaScript, and nine through the JSON API) through
two situations, then the discussion and closing.

Checks that nothing is shown under k, that the dots, median and middle half on the screen
are exactly those of the answers given, that pages pass axe, and that closing leaves no raw
answer in the database.
"""

from __future__ import annotations

import json
import re
import statistics
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from exercise.models import ExerciseAnswer, ExerciseParticipant, ExerciseResult
from tests.browser.conftest import LiveServer, assert_accessible, sign_in
from trygg.extensions import db
from trygg.seed import PEOPLE, SLUG

LEADER = next(p for p in PEOPLE if p.role == "leader")
K = 5  # the demo organisation's statistics threshold
SLOW = 15_000  # ms: a page without JavaScript reloads itself every few seconds
PERSPECTIVES = ("colleague", "leader", "partner")

# Answers per participant: three real phones, then nine API phones; None = skip.
FIRST = [  # «Gir deg en klem»: few answer from the leader's side (under k there)
    (3, 2, 8), (4, 1, 9), (5, None, 7),
    (6, 3, 9), (3, None, 6), (4, None, 8), (7, None, 10), (5, None, 7), (2, None, 9),
    (8, None, 8), (3, None, 5), (5, None, 9),
]
SECOND = [  # «Holder hendene sine på korsryggen din»
    (2, 1, 6), (1, 1, 9), (3, 2, 7),
    (2, 1, 8), (4, 2, 4), (1, 1, 9), (6, 3, 10), (2, 1, 3), (1, 1, 8),
    (9, 2, 7), (2, 4, 9), (1, 1, 6),
]


def _icon(route: Any) -> None:
    route.fulfill(status=200, content_type="image/svg+xml",
                  body="<svg xmlns='http://www.w3.org/2000/svg'/>")


class Api:
    """A phone that speaks the JSON API (design.md §8) over real HTTP."""

    def __init__(self, live_server: LiveServer, code: str) -> None:
        self.base = live_server(f"/x/{code}/api")
        self.token = self.post("/join", None)["participant"]

    def post(self, path: str, body: Any) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the loopback live server
            self.base + path, data=data, method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            raw = response.read()
        return json.loads(raw) if raw else None

    def answer(self, scenario: int, values: tuple[int | None, ...]) -> None:
        for perspective, value in zip(PERSPECTIVES, values, strict=True):
            if value is not None:
                self.post("/answers", {"participant": self.token, "scenario": scenario,
                                       "perspective": perspective, "value": value})


def _get(live_server: LiveServer, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(live_server(path), timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture()
def contexts(browser: Any) -> Iterator[dict[str, Any]]:
    made = {name: browser.new_context(java_script_enabled=name != "nojs")
            for name in ("screen", "phone", "nojs", "english")}
    for context in made.values():
        context.route("**/favicon.svg", _icon)
    yield {name: context.new_page() for name, context in made.items()}
    for context in made.values():
        context.close()


def _answer_on_page(page: Any, values: tuple[int | None, ...]) -> None:
    for perspective, value in zip(PERSPECTIVES, values, strict=True):
        target = "skip" if value is None else str(value)
        page.locator(f"label[for='{perspective}-{target}']").click()
    page.locator("form.answer-form button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_be_visible()


def _expected(rows: list[tuple[int | None, ...]], index: int) -> list[int]:
    return [r[index] for r in rows if r[index] is not None]  # type: ignore[misc]


def _check_spread(page: Any, rows: list[tuple[int | None, ...]]) -> None:
    """The screen shows, per perspective, exactly the answers given (or nothing under k)."""
    for index, perspective in enumerate(PERSPECTIVES):
        values = _expected(rows, index)
        figure = page.locator(f"figure[data-perspective={perspective}]")
        if len(values) < K:
            expect(figure).to_have_attribute("data-withheld", "")
            assert figure.locator("circle.dot").count() == 0
            expect(figure).to_contain_text("Ikke vist")
            continue
        for value in range(1, 11):
            shown = figure.locator(f"circle.dot[data-value='{value}']").count()
            assert shown == values.count(value), (perspective, value)
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        assert float(figure.get_attribute("data-median")) == statistics.median(values)
        assert float(figure.get_attribute("data-q1")) == round(q1, 2)
        assert float(figure.get_attribute("data-q3")) == round(q3, 2)
        expect(figure).to_contain_text(f"{len(values)} svar")
        wide = figure.locator("[data-wide]").count() == 1
        assert wide == (q3 - q1 >= 4), perspective


def test_a_start_up_meeting_runs_the_exercise(
    page: Any, contexts: dict[str, Any], live_server: LiveServer, console_errors: list[str]
) -> None:
    page.context.route("**/favicon.svg", _icon)
    screen, phone, nojs, english = (contexts[n] for n in ("screen", "phone", "nojs", "english"))

    # The facilitator (the demo leader) starts a session with two of the brochure's
    # situations and the three perspectives.
    sign_in(page, live_server, LEADER.email, LEADER.password)
    page.wait_for_url(re.compile(r"/home$"))
    page.locator(f"a[href='/orgs/{SLUG}/exercises']").first.click()
    assert_accessible(page)
    for checkbox in page.locator("input[name=scenario]").all():
        if checkbox.get_attribute("value") not in ("s5", "s9"):
            checkbox.uncheck()
    page.locator("form button[type=submit]", has_text="Start økten").click()
    page.wait_for_url(re.compile(rf"/orgs/{SLUG}/exercises/[0-9A-Z]{{10}}$"))
    code = page.url.rsplit("/", 1)[1]
    assert_accessible(page)

    # The shared screen: a large code, a QR code, and the content note.
    screen.goto(live_server(f"/x/{code}/screen"))
    expect(screen.locator(".join-code")).to_have_text(f"{code[:5]}-{code[5:]}")
    expect(screen.locator(".join-qr svg")).to_be_visible()
    expect(screen.locator(".content-note")).to_contain_text("Søk råd")
    expect(screen.locator(f".content-note a[href='/r/{SLUG}']")).to_be_visible()
    assert_accessible(screen)

    # Phones join: one with JavaScript, one without, one in English, nine through the API.
    for joining, lang in ((phone, ""), (nojs, ""), (english, "?lang=en")):
        joining.goto(live_server(f"/x/{code}{lang}"))
        assert joining.context.cookies() == []  # nothing before joining
        joining.locator("form button[type=submit]").click()
    assert_accessible(phone)
    expect(english.locator("h1")).to_have_text("You are in")
    api = [Api(live_server, code) for _ in range(9)]
    expect(screen.locator(".joined")).to_have_text("12 er med")

    # The first situation.
    page.locator("[data-control=advance]").click()
    expect(screen.locator(".scenario-text")).to_have_text("Gir deg en klem")
    expect(phone.locator(".scenario-text")).to_have_text("Gir deg en klem")
    expect(nojs.locator(".scenario-text")).to_have_text("Gir deg en klem", timeout=SLOW)
    expect(english.locator(".scenario-text")).to_have_text("Gives you a hug")
    assert_accessible(phone)
    _answer_on_page(phone, FIRST[0])
    _answer_on_page(nojs, FIRST[1])
    expect(screen.locator(".answered")).to_have_text("2 har svart")

    # Under k: showing is refused, and nothing is shown anywhere.
    page.locator("[data-control=reveal]").click()
    expect(page.locator(".flash-error")).to_contain_text(f"færre enn {K} har svart")
    assert _get(live_server, f"/x/{code}/api/results?scenario=0") == (200, {"withheld": True})
    assert screen.locator("circle.dot").count() == 0

    _answer_on_page(english, FIRST[2])
    for participant, values in zip(api, FIRST[3:], strict=True):
        participant.answer(0, values)
    expect(screen.locator(".answered")).to_have_text("12 har svart")
    assert screen.locator("circle.dot").count() == 0  # counted, not shown

    page.locator("[data-control=reveal]").click()
    expect(screen.locator("[data-figure]")).to_be_visible()
    _check_spread(screen, FIRST)
    assert_accessible(screen)
    expect(phone.locator("[data-figure]")).to_be_visible()  # the phone shows it too
    _check_spread(phone, FIRST)
    assert_accessible(phone)

    # The second situation.
    page.locator("[data-control=advance]").click()
    expect(screen.locator(".scenario-text")).to_have_text("Holder hendene sine på korsryggen din")
    expect(screen.locator("circle.dot")).to_have_count(0)
    expect(phone.locator(".scenario-text")).to_have_text("Holder hendene sine på korsryggen din")
    _answer_on_page(phone, (5, 5, 5))
    phone.locator("a", has_text="Endre svaret mitt").click()  # the latest answer counts
    _answer_on_page(phone, SECOND[0])
    expect(nojs.locator(".scenario-text")).to_have_text("Holder hendene sine på korsryggen din",
                                                        timeout=SLOW)
    _answer_on_page(nojs, SECOND[1])
    english.reload()
    _answer_on_page(english, SECOND[2])
    for participant, values in zip(api, SECOND[3:], strict=True):
        participant.answer(1, values)
    expect(screen.locator(".answered")).to_have_text("12 har svart")
    page.locator("[data-control=reveal]").click()
    expect(screen.locator("[data-figure]")).to_be_visible()
    _check_spread(screen, SECOND)
    _check_spread(page, SECOND)  # the control page shows what the screen shows
    assert_accessible(page)
    expect(nojs.locator("[data-figure]")).to_be_visible(timeout=SLOW)
    _check_spread(nojs, SECOND)

    # The discussion, and a rule proposal typed on the side.
    page.locator("[data-control=advance]").click()
    expect(screen.locator(".questions li")).to_have_count(3)
    expect(screen.locator(".questions")).to_contain_text("Hvilke regler kan gjøre at alle trives")
    page.fill("#proposal", "Vi spør før vi tar på hverandre.")
    page.locator("#proposals button[type=submit]", has_text="Legg til").click()
    expect(screen.locator("[data-proposals]")).to_contain_text("Vi spør før vi tar på hverandre.")
    assert_accessible(screen)

    # Closing deletes every raw answer; the shown figures that passed k are kept.
    assert console_errors == []
    page.locator("input[name=keep]").check()
    page.locator("[data-control=close]").click()
    expect(page.locator("h1")).to_contain_text("Avsluttet økt")
    assert_accessible(page)
    with live_server.app.app_context():  # type: ignore[attr-defined]
        assert db.session.scalar(select(func.count()).select_from(ExerciseAnswer)) == 0
        assert db.session.scalar(select(func.count()).select_from(ExerciseParticipant)) == 0
        kept = db.session.scalars(select(ExerciseResult)).all()
        assert {(r.scenario_idx, r.perspective) for r in kept} == {
            (0, "colleague"), (0, "partner"), (1, "colleague"), (1, "leader"), (1, "partner")}
        assert all(r.n >= K for r in kept)
        db.session.remove()
    expect(screen.locator("h1")).to_have_text("Ingen øvelse med denne koden")
    assert _get(live_server, f"/x/{code}/api/state") == (404, {"error": "not_found"})
    # After closing, a page still polling the closed code is answered 404, as it should be
    # (Chromium logs each as a console error); nothing else may have gone wrong.
    assert [e for e in console_errors if "status of 404" not in e] == []


def test_phones_answering_at_once_all_count(live_server: LiveServer) -> None:
    """A room answers at the same moment: every join and answer succeeds, on SQLite too
    (whose read-then-write transactions would otherwise fail with "database is locked")."""
    import threading

    from exercise import services
    from exercise.models import ExerciseSession

    app = live_server.app
    with app.app_context():  # type: ignore[attr-defined]
        from accounts.models import Organisation

        org = db.session.scalar(select(Organisation).where(Organisation.slug == SLUG))
        ex, code = services.create(db.session, org, None, [{"code": "s2"}],
                                   list(PERSPECTIVES), secret=app.config["SECRET_KEY"])  # type: ignore[attr-defined]
        services.advance(db.session, ex)
        session_id = ex.id
        db.session.commit()
        db.session.remove()
    errors: list[BaseException] = []
    start = threading.Barrier(12)

    def phone(i: int) -> None:
        try:
            start.wait(timeout=30)
            Api(live_server, code).answer(0, (1 + i % 10, 1 + (i + 3) % 10, 1 + (i + 6) % 10))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():  # type: ignore[attr-defined]
        count = db.session.scalar(select(func.count()).select_from(ExerciseAnswer)
                                  .where(ExerciseAnswer.session_id == session_id))
        assert count == 36
        ex = db.session.get(ExerciseSession, session_id)
        services.close(db.session, ex, keep=False)
        db.session.commit()
        db.session.remove()
