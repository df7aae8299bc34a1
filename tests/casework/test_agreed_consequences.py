"""Beside each recommendation, the case page shows the consequences the organisation
agreed in advance for that reaction (prevention's published examples), and nothing when
none are agreed."""

from __future__ import annotations

from typing import Any

from casework import seriousness
from casework.models import Assessment
from prevention import documents
from tests.casework.test_workflow import ASSESSMENT, _case_url, _to_assessing
from trygg import clock


def test_agreed_consequences_beside_the_recommendation(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    vera_case = cases.open(team.org)
    login_as(team.vera)
    _to_assessing(client, team, vera_case)
    assert client.post(_case_url(team, vera_case, "/assessment"),
                       data=ASSESSMENT).status_code == 303
    result = seriousness.assess(**{k: v for k, v in ASSESSMENT.items() if k != "kind"})
    first = result.reactions[0]
    assert db_session.get(Assessment, vera_case.case.id).level == result.level
    page = client.get(_case_url(team, vera_case)).get_data(as_text=True)
    assert 'data-agreed="' not in page

    doc = documents.draft(db_session, team.org, None, "consequences")
    documents.set_sections(doc, {first: "Gjentatte kommentarer om kropp\n- Klaps på rumpa"},
                           documents.REACTIONS)
    documents.publish(db_session, doc, clock.today())
    db_session.flush()
    page = client.get(_case_url(team, vera_case)).get_data(as_text=True)
    assert f'data-agreed="{first}"' in page
    assert "Klaps på rumpa" in page
