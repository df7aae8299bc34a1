"""The tier itself: TLS at nginx, two nodes taking turns, and what crosses nodes (staff
sessions, CSRF tokens, rate limits) working whichever node answers."""

from __future__ import annotations

import re

import requests

from tests.deploy.conftest import client_from
from tests.deploy.staff import csrf_token, sign_in
from tests.deploy.tier import Tier
from trygg.seed import PEOPLE

LEADER = next(p for p in PEOPLE if p.role == "leader")


def _lines(tier: Tier, request: str = "GET /healthz") -> list[int]:
    """How many times each node logged an answer to `request`."""
    return [node.log_text().count(f'"{request}" 200') for node in tier.nodes]


def test_both_nodes_answer_through_tls_only(live: Tier) -> None:
    before = _lines(live)
    client = live.client()
    for _ in range(12):
        answer = client.get(live("/healthz"))
        assert answer.status_code == 200
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    after = _lines(live)
    assert all(b > a for a, b in zip(before, after, strict=True)), (before, after)

    # Plain HTTP only redirects to https://.
    plain = requests.get(f"http://127.0.0.1:{live.http_port}/r/demo", allow_redirects=False,
                         timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")


def test_staff_session_and_csrf_tokens_cross_nodes(live: Tier) -> None:
    client = live.client()
    sign_in(client, live, LEADER.email, LEADER.password)
    cookie = next(c for c in client.cookies if c.name == "session")
    assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")
    before = _lines(live, "GET /home")
    for _ in range(6):  # round-robin: both nodes see this session
        home = client.get(live("/home"))
        assert home.status_code == 200 and "/login" not in home.url
    assert all(b > a for a, b in zip(before, _lines(live, "GET /home"), strict=True))

    # A token from one node's page is good on the other: sign out with each of two pages.
    tokens = {csrf_token(client.get(live("/home")).text) for _ in range(2)}
    assert len(tokens) >= 1
    out = client.post(live("/logout"), data={"csrf_token": tokens.pop()})
    assert out.status_code == 200 and out.url.endswith("/login")
    assert "/login" in client.get(live("/home")).url


def test_cross_site_staff_posts_are_refused(live: Tier) -> None:
    client = live.client()
    page = client.get(live("/login"))
    token = csrf_token(page.text)
    form = {"email": LEADER.email, "password": "wrong", "csrf_token": token}
    cross = client.post(live("/login"), data=form, allow_redirects=False,
                        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"})
    assert cross.status_code == 400
    other = client.post(live("/login"), data=form, allow_redirects=False,
                        headers={"Origin": "https://evil.test"})
    assert other.status_code == 400
    # The same form from our own page reaches the password check (and fails it: 401).
    ours = client.post(live("/login"), data=form, allow_redirects=False,
                       headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"})
    assert ours.status_code == 401


def test_rate_limits_are_shared_by_the_nodes(live: Tier) -> None:
    """Receipt logins are limited per client address across the cluster (Redis), not per
    process: the sixth wrong receipt within a minute is refused whichever node answers."""
    client = client_from(live, "127.0.0.77")
    form_page = client.get(live("/r/demo/follow-up"))
    token = re.search(r'name="form_token" value="([^"]+)"', form_page.text)
    assert token
    codes = []
    for _ in range(8):
        answer = client.post(live("/r/demo/follow-up"), allow_redirects=False, data={
            "form_token": token.group(1), "receipt": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"},
            headers={"Sec-Fetch-Site": "same-origin"})
        codes.append(answer.status_code)
    assert 429 in codes and codes.index(429) == 5, codes
    # Another address is not affected.
    fresh = client_from(live, "127.0.0.78").get(live("/r/demo/follow-up"))
    assert fresh.status_code == 200
