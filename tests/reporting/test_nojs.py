"""The form without JavaScript: sealed in server memory before anything is written."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.models import Attachment, Case
from crypto import envelope, receipt
from tests.reporting import support
from tests.reporting.conftest import Org


def form_fields(client: FlaskClient, org: Org, lang: str = "en") -> dict[str, str]:
    page = client.get(f"/r/{org.slug}/report?lang={lang}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page)
    key = key or re.search(
        r'id="idempotency_key" name="idempotency_key" type="hidden" value="([^"]+)"', page
    )
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert key and token
    return {"idempotency_key": key.group(1), "form_token": token.group(1)}


def receipt_on(page: str) -> str:
    found = re.search(r"data-receipt>([^<]+)<", page)
    assert found
    return found.group(1).strip()


def cases(session: Session) -> int:
    return session.scalar(select(func.count(Case.id))) or 0


def test_the_form_is_sealed_on_arrival_and_opens_to_exactly_what_was_typed(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    fields = form_fields(client, org)
    data = {
        **fields,
        "about": "on_behalf",
        "status": "volunteer",
        "what": "Første linje\r\nAndre linje",
        "when_period": "ongoing",
        "where_settings": ["rehearsal", "online"],
        "concerns_role": "teacher",
        "wants": ["heard"],
        "contact_name": "Kari",
        "exclude": [str(org.membership(org.b).public_id)],
    }
    response = client.post(f"/r/{org.slug}/report?lang=en", data=data)
    assert response.status_code == 200
    code = receipt_on(response.get_data(as_text=True))
    assert receipt.parse(code) == code
    case = db_session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    doc = support.open_report(case, org.key(org.a))
    assert doc["what"] == "Første linje\nAndre linje"
    assert doc["where"]["settings"] == ["rehearsal", "online"]
    assert (doc["when"]["period"], doc["concerns"]["role"], doc["wants"]) == (
        "ongoing",
        "teacher",
        ["heard"],
    )
    assert doc["contact"]["name"] == "Kari"
    assert (doc["about"], doc["status"]) == ("on_behalf", "volunteer")
    assert doc["lang"] == "en"
    # Sealed to the remaining handler and to the receipt's own key, nobody else.
    keys = receipt.derive(code)
    assert set(envelope.recipient_kids(__import__("json").loads(case.report))) == {
        envelope.kid(org.a.public_key),
        envelope.kid(keys.public_key),
    }
    assert support.open_report(case, keys.private_key) == doc
    assert [e.person_id for e in case.exclusions] == [org.b.id]


def test_sending_the_same_form_twice_shows_the_same_receipt_and_stores_one_case(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    data = {**form_fields(client, org), "what": "to ganger"}
    first = client.post(f"/r/{org.slug}/report?lang=en", data=data)
    count = cases(db_session)
    second = client.post(f"/r/{org.slug}/report?lang=en", data=data)
    assert first.status_code == second.status_code == 200
    assert receipt_on(first.get_data(as_text=True)) == receipt_on(second.get_data(as_text=True))
    assert "had already been sent" in second.get_data(as_text=True)
    assert cases(db_session) == count


def test_a_form_with_errors_keeps_what_was_typed_and_stores_nothing(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    before = cases(db_session)
    data = {**form_fields(client, org), "what": "", "witnesses": "kollegaen min"}
    response = client.post(f"/r/{org.slug}/report?lang=en", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Write a few words about what happened." in page
    assert "kollegaen min" in page
    assert cases(db_session) == before


def test_leaving_out_everyone_without_javascript(
    client: FlaskClient, db_session: Session, org: Org
) -> None:
    before = cases(db_session)
    everyone = [str(org.membership(p).public_id) for p in (org.a, org.b, org.x)]
    data = {**form_fields(client, org, "nb"), "what": "x", "exclude": everyone}
    response = client.post(f"/r/{org.slug}/report?lang=nb", data=data)
    assert response.status_code == 422
    assert "Minst én må kunne lese den" in response.get_data(as_text=True)
    assert cases(db_session) == before


def test_photos_lose_their_metadata_before_sealing_and_uploads_never_touch_the_disk(
    client: FlaskClient, db_session: Session, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    import werkzeug.formparser
    import werkzeug.wrappers.request

    def disk(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(werkzeug.wrappers.request, "default_stream_factory", disk)
    monkeypatch.setattr(werkzeug.formparser, "default_stream_factory", disk)
    # The patch is where Werkzeug really goes for a large upload (so this test can fail):
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import EnvironBuilder, encode_multipart

    boundary, raw = encode_multipart(MultiDict({"f": FileStorage(io.BytesIO(b"z" * 600_000), "f")}))
    plain = EnvironBuilder(
        method="POST", data=raw, content_type=f"multipart/form-data; boundary={boundary}"
    )
    with pytest.raises(AssertionError, match="spooled"):
        _ = werkzeug.wrappers.Request(plain.get_environ()).files
    photo = support.jpeg_with_gps("Oslo, hotellrom 312")
    big = b"%PDF-1.4 " + b"x" * (800 * 1024)  # over the 500 KB where Werkzeug spools to disk
    fields = MultiDict({**form_fields(client, org), "what": "se vedlegg"})
    fields.add(
        "attachments", FileStorage(io.BytesIO(photo), "bilde.jpg", content_type="image/jpeg")
    )
    fields.add(
        "attachments", FileStorage(io.BytesIO(big), "avtale.pdf", content_type="application/pdf")
    )
    # Encoded in memory here: the test client itself would spool a large body to a temp file.
    boundary, body = encode_multipart(fields)
    response = client.post(
        f"/r/{org.slug}/report?lang=en",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "hidden information removed" in page and "encrypted as it was sent" in page
    case = db_session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    files = db_session.scalars(
        select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
    ).all()
    assert [a.complete for a in files] == [True, True]
    (meta1, image), (meta2, pdf) = (
        support.open_attachment(db_session, case, a, org.key(org.a)) for a in files
    )
    assert meta1["stripped"] is True and not support.has_exif(image)
    assert b"hotellrom" not in image
    assert meta2["stripped"] is False and pdf == big


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, org: Org, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "TRYGG", app.config["TRYGG"].with_(attachment_max_file=1000))
    before = cases(db_session)
    data = {
        **form_fields(client, org),
        "what": "stor fil",
        "attachments": [(io.BytesIO(b"y" * 1001), "stor.bin")],
    }
    response = client.post(
        f"/r/{org.slug}/report?lang=en", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert cases(db_session) == before


def test_the_form_says_before_sending_that_the_server_will_encrypt(
    client: FlaskClient, org: Org
) -> None:
    page = client.get(f"/r/{org.slug}/report?lang=en").get_data(as_text=True)
    notice = page.index("data-nojs-notice")
    assert notice < page.index('type="submit"')
    assert "encrypts it in memory" in page[notice:]


def test_links_and_forms_keep_the_chosen_language(client: FlaskClient, org: Org) -> None:
    for path in ("", "/report", "/follow-up"):
        page = client.get(f"/r/{org.slug}{path}?lang=en").get_data(as_text=True)
        assert '<html lang="en">' in page
        page = page[page.index("<main") :]  # past the language switch itself
        for target in re.findall(r'(?:href|action)="(/r/[^"]*)"', page):
            assert "lang=en" in target, (path, target)


def test_the_form_needs_todays_token_when_csrf_is_on(
    client: FlaskClient, db_session: Session, org: Org, csrf_on: None
) -> None:
    before = cases(db_session)
    fields = form_fields(client, org)
    response = client.post(
        f"/r/{org.slug}/report", data={**fields, "form_token": "x" * 32, "what": "x"}
    )
    assert response.status_code == 400
    assert cases(db_session) == before
    response = client.post(f"/r/{org.slug}/report", data={**fields, "what": "x"})
    assert response.status_code == 200


def test_unknown_organisation_page_is_a_clear_404(client: FlaskClient) -> None:
    response = client.get("/r/finnes-ikke?lang=nb")
    assert response.status_code == 404
    assert "Ingen meldeside her" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_the_organisation_page_starts_with_112_and_says_what_harassment_is(
    client: FlaskClient, org: Org
) -> None:
    page = client.get(f"/r/{org.slug}").get_data(as_text=True)
    main = page[page.index("<main"):]
    assert main.index("Er du i fare nå? Ring 112.") < main.index("<h1")
    for words in ("Hva er seksuell trakassering?", "Én hendelse kan være nok.",
                  "Du bestemmer selv hvor grensene dine går", "likestillings- og "
                  "diskrimineringsloven § 14", "som vitne", "Ikke kontrollert siden"):
        assert words in page, words
    assert "Sist kontrollert" not in page and "aldri over hodet" not in page


def test_the_form_asks_who_is_writing_and_the_status_that_decides_protection(
    client: FlaskClient, org: Org
) -> None:
    page = client.get(f"/r/{org.slug}/report").get_data(as_text=True)
    assert page.index('name="about"') < page.index('name="what"')
    for value in ("self", "saw", "on_behalf"):
        assert f'name="about" value="{value}"' in page
    for value in ("employee", "hired", "freelancer", "volunteer", "student"):
        assert f'name="status" value="{value}"' in page
    assert "Hvilket vern som gjelder" in page


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_a_handler_removed_while_the_form_was_open_is_said_and_nothing_stored(
    client: FlaskClient, db_session: Session, org: Org, lang: str
) -> None:
    fields = form_fields(client, org, lang)
    gone = org.membership(org.b).public_id
    db_session.delete(org.membership(org.b))  # removed between showing and sending
    db_session.commit()
    before = cases(db_session)
    data = {**fields, "what": "Noe skjedde.", "exclude": [str(gone)]}
    response = client.post(f"/r/{org.slug}/report?lang={lang}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code in (400, 422)
    assert cases(db_session) == before
    assert 'name="what"' in page and "Noe skjedde." in page  # the form again, as typed
    said = {"en": "no longer", "nb": "ikke lenger"}[lang]
    assert said in page


def test_the_receipt_is_shown_again_only_soon_and_only_for_the_same_content(
    client: FlaskClient, db_session: Session, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone re-sending the form's one-off key used to get the receipt, at any time."""
    from datetime import UTC, datetime, timedelta

    from reporting import replay

    data = {**form_fields(client, org), "what": "første gang"}
    first = client.post(f"/r/{org.slug}/report?lang=en", data=data)
    receipt = receipt_on(first.get_data(as_text=True))
    count = cases(db_session)
    # Other content with the same key: no receipt, nothing stored.
    other = client.post(f"/r/{org.slug}/report?lang=en", data={**data, "what": "noe annet"})
    assert other.status_code == 409
    assert receipt not in other.get_data(as_text=True)
    assert "shown again only for a few minutes" in other.get_data(as_text=True)
    # The same content within minutes: the same receipt.
    again = client.post(f"/r/{org.slug}/report?lang=en", data=data)
    assert receipt_on(again.get_data(as_text=True)) == receipt
    # The same content later: no receipt.
    later = datetime.now(UTC) + replay.REPLAY_WINDOW + timedelta(seconds=1)
    real = replay.may_show_again
    monkeypatch.setattr(replay, "may_show_again",
                        lambda *a, **kw: real(*a, **{**kw, "now": later}))
    late = client.post(f"/r/{org.slug}/report?lang=en", data=data)
    assert late.status_code == 409 and receipt not in late.get_data(as_text=True)
    assert cases(db_session) == count
    # The expired row is gone: the minute the report arrived is not kept.
    from casework.models import ReceiptReplay

    assert db_session.scalar(select(func.count(ReceiptReplay.id))) == 0
