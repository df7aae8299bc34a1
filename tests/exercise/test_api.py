"""The JSON API of design.md §8: its shape, the k rule, and every bad input refused with
nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exercise.models import ExerciseAnswer, ExerciseParticipant, ExerciseResult
from tests.exercise.conftest import Room


def _answers(db_session: Session) -> list[tuple[int, str, int]]:
    rows = db_session.execute(select(ExerciseAnswer.scenario_idx, ExerciseAnswer.perspective,
                                     ExerciseAnswer.value))
    return sorted((r[0], r[1], r[2]) for r in rows)


def test_state_moves_through_the_session(room: Room) -> None:
    lobby = room.state().get_json()
    assert lobby["status"] == "lobby" and lobby["scenario"] is None
    assert lobby["perspectives"] == ["colleague", "leader", "partner"]
    assert lobby["answered"] == 0 and lobby["total"] == 10
    moved = room.act("advance")
    assert moved.status_code == 200
    assert moved.get_json()["status"] == "running" and moved.get_json()["scenario"] == 0
    state = room.state().get_json()
    assert {k: state[k] for k in ("status", "scenario", "answered")} == {
        "status": "running", "scenario": 0, "answered": 0}
    assert state["text"]  # the first situation, in words


def test_latest_answer_counts_and_skip_removes(room: Room, db_session: Session) -> None:
    room.act("advance")
    token = room.join()
    assert room.answer(token, 0, "colleague", 4).status_code == 204
    assert room.answer(token, 0, "colleague", 7).status_code == 204
    assert room.answer(token, 0, "leader", 2).status_code == 204
    assert _answers(db_session) == [(0, "colleague", 7), (0, "leader", 2)]
    assert room.state().get_json()["answered"] == 1
    assert room.answer(token, 0, "leader", None).status_code == 204
    assert _answers(db_session) == [(0, "colleague", 7)]


@pytest.mark.parametrize("change", [
    {"value": 0}, {"value": 11}, {"value": -3}, {"value": 5.5}, {"value": "5"},
    {"value": True}, {"scenario": 10}, {"scenario": -1}, {"scenario": "0"},
    {"perspective": "audience"}, {"perspective": "boss"}, {"perspective": None},
    {"extra": 1},
])
def test_bad_answers_are_refused_and_store_nothing(room: Room, db_session: Session,
                                                   change: dict[str, Any]) -> None:
    room.act("advance")
    token = room.join()
    body = {"participant": token, "scenario": 0, "perspective": "colleague", "value": 5,
            **change}
    response = room.phone.post(f"/x/{room.code}/api/answers", json=body)
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid"}
    assert _answers(db_session) == []


def test_malformed_bodies_are_refused(room: Room, db_session: Session) -> None:
    room.act("advance")
    for data, kind in (("not json", "application/json"), ("[1, 2]", "application/json"),
                       ('{"value": 3}', "text/plain")):
        response = room.phone.post(f"/x/{room.code}/api/answers", data=data, content_type=kind)
        assert response.status_code == 400
    assert _answers(db_session) == []


def test_unknown_participant_is_refused(room: Room, db_session: Session) -> None:
    room.act("advance")
    for token in ("x" * 32, "", None, 12345):
        response = room.answer(token, 0, "colleague", 5)  # type: ignore[arg-type]
        assert response.status_code == 403
        assert response.get_json() == {"error": "unknown_participant"}
    assert _answers(db_session) == []


def test_a_participant_of_another_session_is_unknown_here(room: Room, client: Any,
                                                          db_session: Session) -> None:
    other = client.post(f"/orgs/{room.org.slug}/api/exercises",
                        json={"scenarios": "brochure"}).get_json()["code"]
    foreign = room.phone.post(f"/x/{other}/api/join").get_json()["participant"]
    room.act("advance")
    assert room.answer(foreign, 0, "colleague", 5).status_code == 403
    assert _answers(db_session) == []


def test_only_the_open_scenario_takes_answers(room: Room, db_session: Session) -> None:
    token = room.join()
    assert room.answer(token, 0, "colleague", 5).status_code == 409  # lobby
    room.act("advance")
    assert room.answer(token, 1, "colleague", 5).status_code == 409  # not yet
    for _ in range(2):
        room.answer(room.join(), 0, "colleague", 5)
    room.answer(token, 0, "colleague", 5)
    assert room.act("reveal").status_code == 200
    assert room.answer(token, 0, "colleague", 1).status_code == 409  # shown: fixed
    assert dict(((s, p), v) for s, p, v in _answers(db_session)) == {(0, "colleague"): 5}


def test_reveal_under_k_is_refused_and_results_withheld(room: Room) -> None:
    room.act("advance")
    tokens = [room.join() for _ in range(3)]
    for token in tokens[:2]:
        room.answer(token, 0, "colleague", 5)
    refused = room.act("reveal")
    assert refused.status_code == 409
    assert refused.get_json() == {"error": "under_k", "k": 3, "answered": 2}
    assert room.state().get_json()["status"] == "running"
    assert room.results(0).get_json() == {"withheld": True}
    room.answer(tokens[2], 0, "colleague", 6)
    assert room.results(0).get_json() == {"withheld": True}  # enough, but not revealed yet
    assert room.act("reveal").get_json()["status"] == "reveal"
    shown = room.results(0).get_json()
    assert shown["withheld"] is False
    colleague = shown["perspectives"]["colleague"]
    assert colleague["n"] == 3 and colleague["histogram"] == [0, 0, 0, 0, 2, 1, 0, 0, 0, 0]
    assert (colleague["median"], colleague["q1"], colleague["q3"]) == (5, 5, 5.5)
    # a perspective under k stays withheld even when the scenario is shown
    assert shown["perspectives"]["leader"] == {"withheld": True}


def test_k_follows_the_organisation_and_never_goes_below_three(
        client: Any, factory: Any, login_as: Any) -> None:
    org = factory.org(stats_k=6)
    login_as(factory.person(org, "handler"))
    code = client.post(f"/orgs/{org.slug}/api/exercises",
                       json={"scenarios": "brochure"}).get_json()["code"]
    client.post(f"/orgs/{org.slug}/api/exercises/{code}/advance")
    for _ in range(5):
        token = client.post(f"/x/{code}/api/join").get_json()["participant"]
        client.post(f"/x/{code}/api/answers", json={"participant": token, "scenario": 0,
                                                    "perspective": "leader", "value": 3})
    refused = client.post(f"/orgs/{org.slug}/api/exercises/{code}/reveal")
    assert refused.status_code == 409 and refused.get_json()["k"] == 6


def test_wrong_and_closed_codes_get_the_same_404(room: Room) -> None:
    room.act("advance")
    token = room.join()
    room.act("close")
    closed, wrong, malformed = room.code, "ZZZZZZZZZZ", "nope"
    for method, path, body in (
        ("get", "/api/state", None), ("post", "/api/join", None),
        ("post", "/api/answers", {"participant": token, "scenario": 0,
                                  "perspective": "colleague", "value": 5}),
        ("get", "/api/results?scenario=0", None), ("get", "", None), ("get", "/screen", None),
    ):
        answers = [getattr(room.phone, method)(f"/x/{code}{path}", json=body)
                   for code in (closed, wrong, malformed)]
        assert {a.status_code for a in answers} == {404}, path
        # the same bytes, apart from the page's own address in its language links
        bodies = {a.get_data(as_text=True).replace(code, "CODE")
                  for a, code in zip(answers, (closed, wrong, malformed), strict=True)}
        assert len(bodies) == 1, path
        assert len({a.headers.get("Content-Type") for a in answers}) == 1, path


def test_closing_deletes_every_raw_answer(room: Room, db_session: Session) -> None:
    room.act("advance")
    tokens = [room.join() for _ in range(4)]
    for i, token in enumerate(tokens):
        room.answer(token, 0, "colleague", i + 2)
        room.answer(token, 0, "partner", 9)
    room.act("reveal")
    room.act("advance")
    room.answer(tokens[0], 1, "leader", 1)
    closed = room.act("close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    for model in (ExerciseAnswer, ExerciseParticipant, ExerciseResult):
        assert db_session.scalar(select(func.count()).select_from(model)) == 0
    assert room.act("advance").status_code == 404  # closed for the facilitator too


def test_closing_can_keep_the_shown_aggregates(room: Room, db_session: Session) -> None:
    room.act("advance")
    tokens = [room.join() for _ in range(3)]
    for token in tokens:
        room.answer(token, 0, "colleague", 4)
    room.answer(tokens[0], 0, "leader", 8)
    room.act("reveal")
    room.act("advance")
    for token in tokens:  # answered, never shown: not kept
        room.answer(token, 1, "colleague", 2)
    room.act("close", keep_results=True)
    kept = db_session.execute(select(ExerciseResult.scenario_idx, ExerciseResult.perspective,
                                     ExerciseResult.n, ExerciseResult.histogram)).all()
    assert [tuple(r) for r in kept] == [(0, "colleague", 3, [0, 0, 0, 3, 0, 0, 0, 0, 0, 0])]
    assert db_session.scalar(select(func.count()).select_from(ExerciseAnswer)) == 0


def test_the_discussion_follows_the_last_scenario(client: Any, factory: Any,
                                                  login_as: Any) -> None:
    org = factory.org()
    login_as(factory.person(org, "admin"))
    code = client.post(f"/orgs/{org.slug}/api/exercises", json={
        "scenarios": ["s5"], "custom": ["Adjusts your costume without asking"],
        "perspectives": ["partner", "scene_partner"]}).get_json()["code"]
    act = lambda a: client.post(f"/orgs/{org.slug}/api/exercises/{code}/{a}")  # noqa: E731
    assert act("advance").get_json()["text"] == "Gir deg en klem"
    second = act("advance").get_json()
    assert second["scenario"] == 1 and second["text"] == "Adjusts your costume without asking"
    assert second["perspectives"] == ["partner", "scene_partner"]
    last = act("advance").get_json()
    assert last["discussion"] is True and last["status"] == "reveal"
    assert act("advance").status_code == 409
    assert act("reveal").status_code == 409


@pytest.mark.parametrize("body", [
    {"scenarios": "all"}, {"scenarios": ["s11"]}, {"scenarios": ["s1", "s1"]},
    {"scenarios": "none"}, {"scenarios": "brochure", "perspectives": ["boss"]},
    {"scenarios": "brochure", "perspectives": []}, {"scenarios": "brochure", "custom": [""]},
    {"scenarios": "brochure", "custom": ["x" * 201]}, {"scenarios": "brochure", "k": 1},
    {"scenarios": "brochure", "custom": "one"},
])
def test_bad_session_requests_are_refused(client: Any, factory: Any, login_as: Any,
                                          body: dict[str, Any]) -> None:
    org = factory.org()
    login_as(factory.person(org, "leader"))
    response = client.post(f"/orgs/{org.slug}/api/exercises", json=body)
    assert response.status_code == 400
    from exercise.models import ExerciseSession

    assert client.get(f"/orgs/{org.slug}/exercises").status_code == 200
    from trygg.extensions import db

    assert db.session.scalar(select(func.count()).select_from(ExerciseSession)) == 0


def test_state_answers_304_while_nothing_changes(room: Room) -> None:
    first = room.state()
    etag = first.headers["ETag"]
    again = room.phone.get(f"/x/{room.code}/api/state", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    room.act("advance")
    moved = room.phone.get(f"/x/{room.code}/api/state", headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.get_json()["status"] == "running"


def test_join_codes_carry_at_least_40_bits() -> None:
    import math

    from exercise import services

    assert services.CODE_LENGTH * math.log2(len(services.ALPHABET)) >= 40
    codes = {services.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert services.normalise_code("abcde-fghjk") == "ABCDEFGHJK"
    assert services.normalise_code("O1ILo 00000") == "0111000000"
    assert services.normalise_code("ABCDEFGHJU") is None  # U is not in the alphabet


def test_a_forgotten_session_is_closed_by_the_daily_job(room: Room, db_session: Session,
                                                        app: Any) -> None:
    from datetime import timedelta

    from exercise import services
    from exercise.models import ExerciseSession
    from trygg.database import utcnow

    room.act("advance")
    room.answer(room.join(), 0, "colleague", 5)
    ex = db_session.scalar(select(ExerciseSession))
    assert ex is not None
    assert services.close_stale(db_session, now=utcnow()) == 0  # started just now
    assert services.close_stale(db_session, now=ex.created_at + timedelta(hours=25)) == 1
    assert ex.status == "closed" and not ex.kept_results
    assert db_session.scalar(select(func.count()).select_from(ExerciseAnswer)) == 0
    runner = app.test_cli_runner()
    result = runner.invoke(args=["trygg", "close-stale-exercises"])
    assert result.exit_code == 0 and "Closed 0" in result.output


def test_answers_are_rate_limited_per_participant(room: Room, db_session: Session) -> None:
    room.act("advance")
    token, other = room.join(), room.join()
    statuses = [room.answer(token, 0, "colleague", 1 + i % 10).status_code for i in range(61)]
    assert statuses[:60] == [204] * 60 and statuses[60] == 429
    assert _answers(db_session) == [(0, "colleague", 10)]  # the 60th; the 61st changed nothing
    assert room.answer(other, 0, "colleague", 2).status_code == 204  # others are not held up


def test_joining_is_rate_limited(room: Room) -> None:
    from exercise.views import JOIN_LIMIT

    per_minute = int(JOIN_LIMIT.split(" ")[0])
    codes = [room.phone.post(f"/x/{room.code}/api/join").status_code
             for _ in range(per_minute + 1)]
    assert codes[:per_minute] == [201] * per_minute and codes[-1] == 429
    # wrong codes count too: guessing is held up the same way
    assert room.phone.post("/x/ZZZZZZZZZZ/api/join").status_code == 429
