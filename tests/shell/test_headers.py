from __future__ import annotations

from flask.testing import FlaskClient


def test_front_page_has_strict_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_front_page_sets_no_cookie(client: FlaskClient) -> None:
    response = client.get("/")
    assert "Set-Cookie" not in response.headers


def test_norwegian_is_the_default_and_english_is_one_link_away(client: FlaskClient) -> None:
    nb = client.get("/").get_data(as_text=True)
    assert '<html lang="nb">' in nb
    assert "Logg inn" in nb
    en = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in en
    assert "Sign in" in en


def test_unknown_page_is_a_helpful_404_in_norwegian(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Fant ikke siden" in response.get_data(as_text=True)


def test_bokmal_stays_the_default_whatever_the_browser_prefers(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="nb">' in page
