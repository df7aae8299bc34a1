"""What casework asks of the admin pages: no removal that leaves a case without a reader."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from accounts.models import Membership
from casework.models import CaseHandler


def _remove(client: Any, team: Any, membership: Any) -> Any:
    return client.post(f"/orgs/{team.org.slug}/admin/people/{membership.public_id}/remove"
                       "?lang=en")


def test_the_last_handler_of_a_case_cannot_be_removed(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    opened = cases.open(team.org)  # sealed to Vera alone (the internal handler)
    vera = team.membership(team.vera)
    assert [h.membership_id for h in opened.case.handlers] == [vera.id]
    db_session.commit()  # the view rolls back its own work, not the test's setup
    login_as(team.admin)
    response = _remove(client, team, vera)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Ask them to hand those cases over to another case handler first" in page
    assert db_session.get(Membership, vera.id) is not None
    assert db_session.scalar(select(CaseHandler).where(
        CaseHandler.case_id == opened.case.id, CaseHandler.membership_id == vera.id))
    # In bokmål by default.
    norsk = client.post(f"/orgs/{team.org.slug}/admin/people/{vera.public_id}/remove?lang=nb")
    assert norsk.status_code == 409
    assert "Be vedkommende overlevere de sakene" in norsk.get_data(as_text=True)


def test_a_handler_can_be_removed_once_someone_else_reads_their_cases(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    opened = cases.open(team.org)
    purged = cases.open(team.org)
    purged.case.purged_on = date.today()  # nothing left to read: it does not hold her
    db_session.add(CaseHandler(case_id=opened.case.id, membership_id=team.membership(team.rolf).id,
                               added_on=date.today()))
    db_session.commit()
    login_as(team.admin)
    vera = team.membership(team.vera)
    assert _remove(client, team, vera).status_code == 302
    assert db_session.get(Membership, vera.id) is None


def test_a_deactivated_colleague_does_not_count_as_a_reader(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    opened = cases.open(team.org)
    db_session.add(CaseHandler(case_id=opened.case.id, membership_id=team.membership(team.rolf).id,
                               added_on=date.today()))
    team.rolf.active = False
    db_session.commit()
    login_as(team.admin)
    assert _remove(client, team, team.membership(team.vera)).status_code == 409
