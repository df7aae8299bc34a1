"""The referral directory: the data file, newest-wins, local entries and the admins' page."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from casework import directory
from casework.vocabulary import REFERRALS


def test_the_data_file_is_valid_and_every_entry_has_role_channels_source_and_date() -> None:
    entries = directory.load()
    assert entries
    for e in entries:
        assert e.role["nb"] and e.role["en"] and e.name["nb"] and e.channels and e.source
        assert e.checked <= date.today()


def test_every_referral_code_the_assessment_suggests_has_an_entry() -> None:
    codes = {e.code for e in directory.national()}
    assert set(REFERRALS) <= codes
    assert {
        "ldo",
        "arbeidstilsynet",
        "diskrimineringsnemnda",
        "police",
        "overgrepsmottak",
        "balansekunst",
        "kirkens_sos",
    } <= codes


def test_the_newest_balansekunst_line_is_shown_and_the_brochures_is_explained() -> None:
    e = directory.entry("balansekunst")
    assert [c.value for c in e.channels if c.kind == "phone"] == ["400 38 800"]
    assert e.channels[0].href == "tel:+4740038800"
    assert "940 87 929" in e.previously_in("nb")[0][0]
    assert directory.entry("police").channels[0].href == "tel:112"


def _entry(code: str, checked: str, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": {"nb": code},
        "role": {"nb": "r"},
        "source": "s",
        "channels": [{"kind": "phone", "value": "1"}],
        "checked": checked,
        **extra,
    }


def test_when_two_versions_share_a_code_the_most_recently_checked_wins(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps(
            {
                "entries": [
                    _entry("abc", "2025-01-01"),
                    _entry("abc", "2026-01-01", source="newer"),
                    _entry("abc", "2024-01-01"),
                ]
            }
        )
    )
    [e] = directory.newest(directory.load(path))
    assert (e.source, e.checked) == ("newer", date(2026, 1, 1))


@pytest.mark.parametrize(
    "bad",
    [
        {"code": "Bad Code"},
        {"channels": []},
        {"checked": "yesterday"},
        {"source": ""},
        {"channels": [{"kind": "web", "value": "http://plain.example"}]},
        {"channels": [{"kind": "fax", "value": "1"}]},
        {"role": {"en": "only english"}},
    ],
)
def test_a_broken_data_file_says_where(tmp_path: Path, bad: dict[str, Any]) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps(
            {"entries": [_entry("fine", "2026-01-01"), {**_entry("abc", "2026-01-01"), **bad}]}
        )
    )
    with pytest.raises(directory.DirectoryDataError, match=r"entries\[1\]"):
        directory.load(path)


def test_local_entries_are_added_and_never_replace_a_national_one(
    db_session: Session, factory: Any
) -> None:
    org, other = factory.org(), factory.org()
    directory.save_local(
        db_session,
        org,
        code="bht",
        name="Bedriftshelsetjenesten",
        role="Samtale med lege eller psykolog",
        phone="22 00 00 00",
        source="Avtalen vår",
        checked=date(2026, 11, 1),
    )
    directory.save_local(
        db_session,
        org,
        code="balansekunst",
        name="Balansekunst (lokal)",
        role="r",
        phone="400 00 000",
        source="Telefon med dem",
        checked=date(2026, 12, 1),
    )
    db_session.flush()
    mine = {e.code: e for e in directory.entries(db_session, org)}
    assert mine["bht"].local and mine["bht"].channels[0].value == "22 00 00 00"
    # A local entry never replaces a national helpline, however recently checked: both show.
    national = {e.code: e for e in directory.national()}["balansekunst"]
    assert mine["balansekunst"] == national and not mine["balansekunst"].local
    assert mine["balansekunst-local"].local
    assert mine["balansekunst-local"].channels[0].value == "400 00 000"
    theirs = {e.code: e for e in directory.entries(db_session, other)}
    assert "bht" not in theirs and theirs["balansekunst"].channels[0].value == "400 38 800"
    assert directory.entry("bht", db_session, org).name_in("en") == "Bedriftshelsetjenesten"
    with pytest.raises(directory.UnknownReferral):
        directory.entry("bht", db_session, other)
    with pytest.raises(directory.LocalReferralError):
        directory.save_local(
            db_session, org, code="x1", name="n", role="r", source="s", checked=date(2026, 1, 1)
        )


def test_admins_manage_local_entries_and_others_get_404(
    client: FlaskClient, db_session: Session, factory: Any, login_as: Any
) -> None:
    org = factory.org()
    admin = factory.person(org, "admin")
    handler = factory.person(org, "handler", title="V")
    db_session.commit()
    url = f"/orgs/{org.slug}/admin/referrals"
    login_as(handler)
    assert client.get(url).status_code == 404
    client.post("/logout")
    login_as(admin)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        data={
            "code": "bht",
            "name": "BHT",
            "role": "Helse",
            "phone": "22 00 00 00",
            "source": "Avtalen",
            "checked": "2026-11-20",
        },
    )
    assert response.status_code == 303
    assert "BHT" in client.get(f"/r/{org.slug}").get_data(as_text=True)
    [local] = directory.local_referrals(db_session, org)
    response = client.post(f"{url}/{local.public_id}/delete")
    assert response.status_code == 303
    assert directory.local_referrals(db_session, org) == []
    bad = client.post(
        url,
        data={
            "code": "Ugyldig kode",
            "name": "x",
            "role": "x",
            "source": "x",
            "checked": "2026-11-20",
        },
    )
    assert bad.status_code == 400


def test_admins_find_the_referral_page_on_their_home_page(
    client: FlaskClient, db_session: Session, factory: Any, login_as: Any
) -> None:
    org = factory.org()
    admin = factory.person(org, "admin")
    db_session.commit()
    login_as(admin)
    page = client.get("/home").get_data(as_text=True)
    assert f"/orgs/{org.slug}/admin/referrals" in page
