"""Deadline reminders (counts and a link, never content) and the inbox's filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from casework import reminders
from casework.models import Case
from trygg import clock
from trygg.mail import outbox


def test_reminders_count_overdue_and_soon_without_content(
    app: Flask, cases: Any, team: Any, db_session: Any
) -> None:
    today = clock.today()
    late = cases.open(team.org, received_on=today - timedelta(days=10))  # acknowledge by: -3
    soon = cases.open(team.org, received_on=today - timedelta(days=6))   # acknowledge by: +1
    calm = cases.open(team.org, received_on=today)
    done = cases.open(team.org, received_on=today - timedelta(days=200))
    done.case.state, done.case.closed_on = "closed", today
    db_session.flush()
    found = reminders.due(db_session, on=today)
    assert [(d.membership.person.email, d.overdue, d.soon) for d in found] == [
        (team.vera.email, 1, 1)]
    assert found[0].first == late.case.acknowledge_by
    assert calm.case.acknowledge_by > today + timedelta(days=2) and soon

    result = app.test_cli_runner().invoke(args=["trygg", "reminders"])
    assert result.exit_code == 0, result.output
    assert "sent: 1" in result.output
    mail = outbox(app.config["TRYGG"])[-1]
    body = mail.get_content()
    assert mail["To"] == team.vera.email
    assert "1 sak i" in body and "har passert fristen" in body
    assert f"/orgs/{team.org.slug}/cases" in body
    assert "rumpa" not in body and str(late.case.public_id) not in body
    # The audit head rides along, anchored outside the database by the mail itself.
    from casework import audit

    seq, digest = audit.current_head(db_session)
    assert f"{seq}:{digest.hex()}" in body


def test_feedback_given_ends_the_feedback_deadline(cases: Any, team: Any,
                                                   db_session: Any) -> None:
    today = clock.today()
    opened = cases.open(team.org, received_on=today - timedelta(days=100))
    opened.case.state = "assessing"
    db_session.flush()
    assert reminders.due(db_session, on=today)[0].overdue == 1
    opened.case.feedback_on = today
    db_session.flush()
    assert reminders.due(db_session, on=today) == []


def test_inbox_filters_sorts_and_pages(client: Any, login_as: Any, cases: Any, team: Any,
                                       db_session: Any) -> None:
    today = clock.today()
    opened = [cases.open(team.org, received_on=today - timedelta(days=i)) for i in range(30)]
    opened[3].case.state = "closed"
    opened[3].case.closed_on = today
    opened[5].case.state = "assessing"
    db_session.flush()
    login_as(team.vera)
    base = f"/orgs/{team.org.slug}/cases"
    page = client.get(base).get_data(as_text=True)
    assert "29 åpne saker" in page
    assert "side 1 av 2" in page
    assert page.count('class="row-overdue"') == 22  # 7 days to acknowledge: days 8..29
    # The oldest unacknowledged case has the most overdue deadline: it comes first.
    first = page.index(str(opened[29].case.public_id)[:8])
    assert first < page.index(str(opened[10].case.public_id)[:8])
    closed = client.get(base + "?state=closed").get_data(as_text=True)
    assert str(opened[3].case.public_id)[:8] in closed
    assert str(opened[0].case.public_id)[:8] not in closed
    newest = client.get(base + "?sort=newest&page=2").get_data(as_text=True)
    assert str(opened[29].case.public_id)[:8] in newest
    assert str(opened[0].case.public_id)[:8] not in newest
    # Nonsense parameters fall back to the defaults rather than failing.
    assert client.get(base + "?state=evil&sort=evil&page=-3").status_code == 200
    assert db_session.query(Case).count() >= 30


@pytest.mark.parametrize("page", ["99999999999999999999", str(2**63), "9" * 400])
def test_a_huge_page_number_shows_the_last_page(client: Any, login_as: Any, cases: Any,
                                                team: Any, page: str) -> None:
    opened = cases.open(team.org)
    login_as(team.vera)
    response = client.get(f"/orgs/{team.org.slug}/cases?page={page}")
    assert response.status_code == 200
    assert str(opened.case.public_id)[:8] in response.get_data(as_text=True)
