"""The case page as a workplace (issue 12): reply templates, feedback from what the employer
did, «i dag» in the inbox."""

from __future__ import annotations

from typing import Any

from casework.models import Assessment, EmployerAction
from casework.services import today


def test_the_inbox_says_today_not_zero_days_ago(
    client: Any, login_as: Any, team: Any, cases: Any
) -> None:
    cases.open(team.org, received_on=today())
    login_as(team.vera)
    page = client.get(f"/orgs/{team.org.slug}/cases").get_data(as_text=True)
    assert "(i dag)" in page and "0 dager siden" not in page


def test_reply_templates_and_feedback_from_what_the_employer_did(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    opened = cases.open(team.org)
    login_as(team.vera)
    url = f"/orgs/{team.org.slug}/cases/{opened.case.public_id}"
    page = client.get(url).get_data(as_text=True)
    assert "data-reply-templates" in page and "støtteperson" in page
    assert "data-feedback-from-employer" not in page  # nothing recorded yet
    db_session.add(Assessment(case_id=opened.case.id, nature="verbal", frequency="once",
                              relation="peer", power="none", consequences="none", level=1,
                              model_version="2", criminal=False, assessed_on=today()))
    db_session.add(EmployerAction(case_id=opened.case.id, code="written_warning",
                                  decided_on=today(), source="written_answer"))
    db_session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "data-feedback-from-employer" in page
    assert "Arbeidsgiveren har fortalt meg" in page


def test_per_handler_unread_markers_and_the_summary_line(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    from casework import triage

    opened = cases.open(team.org)
    vera, rolf = team.membership(team.vera), team.membership(team.rolf)
    db_session.commit()
    assert triage.unread(db_session, vera, [opened.case.id]) == {opened.case.id: "new"}
    login_as(team.vera)
    inbox = f"/orgs/{team.org.slug}/cases"
    assert 'data-mark="new"' in client.get(inbox).get_data(as_text=True)
    client.get(f"/orgs/{team.org.slug}/cases/{opened.case.public_id}")
    assert triage.unread(db_session, vera, [opened.case.id]) == {}
    cases.reporter_says(opened, "En ting til.")
    db_session.commit()
    assert triage.unread(db_session, vera, [opened.case.id]) == {opened.case.id: "unread"}
    page = client.get(inbox).get_data(as_text=True)
    assert 'data-mark="unread"' in page and "data-triage" in page
    # Another handler's marker is their own.
    assert triage.unread(db_session, rolf, [opened.case.id]) == {opened.case.id: "new"}
    summary = triage.summary(db_session, vera, on=today())
    assert (summary.new, summary.unread, summary.due_this_week) == (0, 1, 1)


def test_the_case_page_says_what_is_next(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    from datetime import timedelta

    from casework.workflow_models import CaseTask

    opened = cases.open(team.org)
    db_session.add(CaseTask(case_id=opened.case.id, kind="meet_reporter",
                            due_on=today() - timedelta(days=1)))
    db_session.commit()
    login_as(team.vera)
    page = client.get(f"/orgs/{team.org.slug}/cases/{opened.case.public_id}")
    text = page.get_data(as_text=True)
    assert 'id="next-actions"' in text
    assert "Bekreft overfor den som meldte" in text and "Møt den som meldte" in text
