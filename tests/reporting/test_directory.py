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
from trygg import clock


def test_the_data_file_is_valid_and_every_entry_has_role_channels_source_and_date() -> None:
    entries = directory.load()
    assert entries
    for e in entries:
        assert e.role["nb"] and e.role["en"] and e.name["nb"] and e.channels
        assert e.source["nb"] and e.source["en"]
        assert e.compiled <= clock.today()
        assert e.checked is None or e.checked <= clock.today()


def test_no_entry_claims_a_check_nobody_made_and_the_page_says_so(app: Any) -> None:
    """Nobody has verified the entries against the live sources yet (data file's 'about')."""
    with app.test_request_context():
        for e in directory.national():
            assert e.checked is None
            assert "Ikke kontrollert siden" in e.source_line("nb")


def test_the_corrected_texts_hold() -> None:
    by_code = {e.code: e for e in directory.national()}
    police, nemnda, ldo = by_code["police"], by_code["diskrimineringsnemnda"], by_code["ldo"]
    assert "aldri over hodet" not in police.role["nb"] and "§ 196" in police.role["nb"]
    assert police.anonymous is False and nemnda.anonymous is False
    assert "ikke være anonym" in nemnda.role["nb"]
    # LDO asks for no sensitive details by e-mail: its form first, no e-mail channel.
    assert ldo.channels[0].kind == "web" and all(c.kind != "email" for c in ldo.channels)
    assert all(c.kind != "email" for c in nemnda.channels)
    assert "72 timer" in by_code["overgrepsmottak"].role["nb"]
    assert "sju dager" not in by_code["overgrepsmottak"].role["nb"]
    assert "chat" in by_code["arbeidstilsynet"].channels[0].hours["nb"]
    assert [c.value for c in by_code["hjelpetelefonen"].channels] == ["800 57 000"]


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
        "source": {"nb": "s"},
        "channels": [{"kind": "phone", "value": "1"}],
        "compiled": checked,
        "checked": None,
        **extra,
    }


def test_when_two_versions_share_a_code_the_most_recently_checked_wins(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps(
            {
                "entries": [
                    _entry("abc", "2025-01-01"),
                    _entry("abc", "2026-01-01", source={"nb": "newer"}),
                    _entry("abc", "2024-01-01"),
                ]
            }
        )
    )
    [e] = directory.newest(directory.load(path))
    assert (e.source["nb"], e.compiled) == ("newer", date(2026, 1, 1))


@pytest.mark.parametrize(
    "bad",
    [
        {"code": "Bad Code"},
        {"channels": []},
        {"checked": "yesterday"},
        {"compiled": None},
        {"source": ""},
        {"source": {"en": "only english"}},
        {"source": {"nb": "s", "url": "http://plain.example"}},
        {"free": "yes"},
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
    with pytest.raises(directory.LocalReferralError, match="national"):
        directory.save_local(
            db_session, org, code="balansekunst", name="Balansekunst (lokal)", role="r",
            phone="400 00 000", source="Telefon med dem", checked=date(2026, 12, 1),
        )
    # One saved before the rule is listed beside the national entry, not instead of it.
    db_session.add(directory.LocalReferral(
        organisation_id=org.id, code="ldo", name="LDO (lokal)", role="r", phone="1",
        source="s", checked=date(2026, 12, 1),
    ))
    db_session.flush()
    mine = {e.code: e for e in directory.entries(db_session, org)}
    assert mine["bht"].local and mine["bht"].channels[0].value == "22 00 00 00"
    assert mine["bht"].checked == date(2026, 11, 1)  # the admin states the date they checked
    assert mine["balansekunst"].channels[0].value == "400 38 800"
    assert not mine["ldo"].local and mine["local_ldo"].local
    # However recently the local one was checked, the national entry shows unchanged.
    national = {e.code: e for e in directory.national()}["ldo"]
    assert mine["ldo"] == national and mine["local_ldo"].channels[0].value == "1"
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
