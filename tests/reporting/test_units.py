"""Unit tests: receipts without JavaScript, image stripping, the report document, the
reporter cookie, and the JSON boundary."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from accounts.models import Organisation
from crypto import receipt
from reporting import document, guard, services
from reporting.schemas import SubmissionSchema
from tests.reporting import support


def test_a_no_js_receipt_is_valid_repeatable_and_depends_on_key_and_secret(app: Flask) -> None:
    with app.test_request_context():
        first = services.receipt_for(b"k" * 32)
        assert receipt.parse(first) == first
        assert services.receipt_for(b"k" * 32) == first
        assert services.receipt_for(b"j" * 32) != first
        app.config["SECRET_KEY"], old = "another-secret-" + "y" * 40, app.config["SECRET_KEY"]
        try:
            assert services.receipt_for(b"k" * 32) != first
        finally:
            app.config["SECRET_KEY"] = old


def _png_with_text() -> bytes:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Kari Nordmann")
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def test_images_are_re_encoded_without_metadata() -> None:
    from PIL import Image

    jpeg = support.jpeg_with_gps("hemmelig sted")
    assert support.has_exif(jpeg)
    clean = services.strip_image(jpeg, "image/jpeg")
    assert clean is not None and not support.has_exif(clean) and b"hemmelig" not in clean
    png = services.strip_image(_png_with_text(), "image/png")
    assert png is not None and b"Kari Nordmann" not in png
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (20, 10) and image.mode == "RGBA"


def test_a_rotated_photo_stays_the_way_it_was_shown() -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    out = io.BytesIO()
    Image.new("RGB", (40, 20)).save(out, format="JPEG", exif=exif)
    clean = services.strip_image(out.getvalue(), "image/jpeg")
    assert clean is not None
    with Image.open(io.BytesIO(clean)) as image:
        assert image.size == (20, 40) and not image.getexif()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"not an image", "image/jpeg"),
        (support.jpeg_with_gps("x"), "image/png"),  # claims to be another format
        (b"%PDF-1.4", "application/pdf"),
    ],
)
def test_what_cannot_be_cleaned_is_kept_as_sent(data: bytes, kind: str) -> None:
    assert services.strip_image(data, kind) is None


def test_the_document_from_the_form() -> None:
    doc = document.build(
        {"what": "a\r\nb", "where_settings": ["online", "tour"], "wants": ["action", "heard"]}, "en"
    )
    assert doc["what"] == "a\nb"
    assert doc["where"]["settings"] == ["tour", "online"]  # the form's order
    assert doc["wants"] == ["heard", "action"]
    assert document.validate(doc) == doc
    witness = document.build({"what": "x", "about": "saw", "status": "freelancer"}, "nb")
    assert (witness["about"], witness["status"]) == ("saw", "freelancer")
    assert document.validate(witness) == witness
    # A document from before `about` and `status` existed is still valid.
    older = {k: v for k, v in doc.items() if k not in ("about", "status")}
    assert document.validate(older) == doc
    for bad in (
        {"what": " "},
        {"what": "x", "about": "gossip"},
        {"what": "x", "status": "boss"},
        {"what": "x", "before": "maybe"},
        {"what": "x", "wants": ["money"]},
        {"what": "x" * (document.MAX_WHAT + 1)},
        {"what": "x", "witnesses": 3},
    ):
        with pytest.raises(ValueError):
            document.build(bad, "nb")


texts = st.text(max_size=50)


@settings(max_examples=60, deadline=None)
@given(
    what=st.text(min_size=1, max_size=200).filter(lambda s: s.strip() and "\r" not in s),
    period=st.sampled_from(["", *document.PERIODS]),
    settings_=st.lists(st.sampled_from(list(document.SETTINGS)), unique=True),
    wants=st.lists(st.sampled_from(list(document.WANTS)), unique=True),
    other=texts.filter(lambda s: "\r" not in s),
)
def test_documents_round_trip(
    what: str, period: str, settings_: list[str], wants: list[str], other: str
) -> None:
    doc = document.build(
        {
            "what": what,
            "when_period": period,
            "where_settings": settings_,
            "wants": wants,
            "witnesses": other,
            "contact_reach": other[:20],
        },
        "nb",
    )
    assert document.validate(doc) == doc
    assert doc["what"] == what and doc["witnesses"] == other


@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.text(),
        st.lists(st.text()),
        st.dictionaries(st.text(max_size=8), st.one_of(st.text(), st.integers())),
    )
)
def test_any_decrypted_value_can_be_shown(value: Any) -> None:
    shown = document.for_display(value)
    assert set(shown) >= {"what", "when", "where", "concerns", "contact", "wants"}


def _org() -> Organisation:
    import uuid

    return Organisation(slug="t", name="T", public_id=uuid.uuid4())


def _cookie(response: Response) -> str:
    return response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]


def test_the_reporter_cookie_opens_only_for_its_organisation_and_expires(app: Flask) -> None:
    org, other = _org(), _org()
    session = guard.ReporterSession(b"t" * 32, b"k" * 32)
    with app.test_request_context():
        response = Response()
        guard.start(response, org, session)
        value = _cookie(response)
        header = response.headers["Set-Cookie"]
    assert "Path=/r/t/" in header and "HttpOnly" in header and "SameSite=Strict" in header
    with app.test_request_context(headers={"Cookie": f"{guard.COOKIE}={value}"}):
        assert guard.current(org) == session
        assert guard.current(other) is None
    with app.test_request_context(headers={"Cookie": f"{guard.COOKIE}={value[:-3]}xyz"}):
        assert guard.current(org) is None
    later = time.time() + guard.IDLE.total_seconds() + 5
    with app.test_request_context(headers={"Cookie": f"{guard.COOKIE}={value}"}):
        import unittest.mock

        with unittest.mock.patch("reporting.guard.time.time", return_value=later):
            assert guard.current(org) is None


def test_the_submission_schema_is_strict() -> None:
    body = {
        "case": "2b1f7a52-3b0e-4f8e-9d6b-5b7a1f0c2d3e",
        "idempotency_key": support.b64(b"i" * 32),
        "lookup_token": support.b64(b"l" * 32),
        "reporter_public_key": support.b64(b"p" * 32),
        "report": {"v": 1},
    }
    assert SubmissionSchema().load(body)["excluded"] == []
    for change in (
        {"lookup_token": support.b64(b"l" * 31)},
        {"surprise": 1},
        {"idempotency_key": support.b64(b"i" * 32) + "=="},
        {"report": "text"},
    ):
        with pytest.raises(ValidationError):
            SubmissionSchema().load({**body, **change})


def _large_png(width: int, height: int) -> bytes:
    """A PNG that is small on disk and large when decoded (one grey colour)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), 128).save(out, format="PNG", optimize=False)
    return out.getvalue()


def test_an_image_over_the_pixel_cap_is_never_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The review's bomb: a tiny PNG of many pixels sent through the form without
    JavaScript cost 861 MiB to decode. Anything above ~24 MP is now kept as sent, judged
    from the header alone (bench/images.py measures the memory)."""
    from PIL import ImageFile

    decoded: list[tuple[int, int]] = []
    real_load = ImageFile.ImageFile.load

    def load(self: Any) -> Any:
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    bomb = _large_png(5000, 5000)  # 25 MP, about 25 KiB
    assert len(bomb) < 100_000
    assert services.strip_image(bomb, "image/png") is None
    assert decoded == []
    assert services.strip_image(_large_png(400, 300), "image/png") is not None
    assert set(decoded) == {(400, 300)}


def test_one_image_is_decoded_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "IMAGE_WAIT_SECONDS", 0.01)
    assert services._IMAGE_SLOT.acquire(timeout=1)
    try:  # another thread holds the slot: this one keeps its image as sent
        assert services.strip_image(_png_with_text(), "image/png") is None
    finally:
        services._IMAGE_SLOT.release()
    assert services.strip_image(_png_with_text(), "image/png") is not None
