from __future__ import annotations

from typing import Any


def test_handler_sees_inbox_and_case_page(
    client: Any, login_as: Any, team: Any, cases: Any
) -> None:
    opened = cases.open(team.org)
    login_as(team.vera)
    response = client.get(f"/orgs/{team.org.slug}/cases")
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert str(opened.case.public_id)[:8] in page
    response = client.get(f"/orgs/{team.org.slug}/cases/{opened.case.public_id}")
    assert response.status_code == 200, response.get_data(as_text=True)
