"""Fixtures for the deployment tier (tests/deploy/tier.py).

The tier needs PostgreSQL, Redis and Debian's nginx (and Chromium for the journeys): under
`CI=true` a missing one fails the run, on a developer machine it skips these tests.
"""

from __future__ import annotations

import os
import random
import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.conftest import FAST_KDF_ITERATIONS, _pg_create, _pg_drop, make_config, require
from tests.deploy.tier import NGINX, Tier

REDIS = os.environ.get("TRYGG_TEST_REDIS", "redis://127.0.0.1:6379")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.deploy)


def _redis_index() -> tuple[str, Any]:
    import redis

    index = random.randint(8, 15)
    url = f"{REDIS}/{index}"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError:
        return url, None
    return url, client


def _seed(tier: Tier) -> None:
    """The demo organisation and people, made in-process on the tier's database with the
    tier's secret (the demo seed refuses production, and nothing else differs)."""
    from trygg import create_app
    from trygg.extensions import db
    from trygg.seed import seed

    app = create_app(make_config(
        tier.database_url, tier.directory, secret_key=tier.secret_key, base_url=tier.url,
        mail_outbox=str(tier.outbox), csrf_enabled=True,
    ))
    with app.app_context():
        seed(db.session, app.config["TRYGG"], kdf_iterations=FAST_KDF_ITERATIONS)
        db.session.commit()
        db.session.remove()
    tier.app = app


@pytest.fixture(scope="session")
def tier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tier]:
    from tests.pg_available import main as pg_available

    require(f"nginx at {NGINX}", bool(shutil.which(NGINX)), "apt-get install nginx")
    require("PostgreSQL", pg_available() == 0, "set TEST_DATABASE_URL")
    redis_url, redis_client = _redis_index()
    require(f"Redis at {REDIS}", redis_client is not None, "start redis-server")
    redis_client.flushdb()
    name, database_url = _pg_create()
    running = Tier(tmp_path_factory.mktemp("tier"), database_url, redis_url)
    try:
        running.start(_seed)
        yield running
    finally:
        running.stop()
        if running.app is not None:
            from trygg.extensions import db

            with running.app.app_context():
                db.engine.dispose()
        _pg_drop(name)
        redis_client.flushdb()


@pytest.fixture()
def live(tier: Tier) -> Iterator[Tier]:
    """The tier, with any node a test killed started again afterwards."""
    yield tier
    tier.restore()


class SourceAddress(HTTPAdapter):
    """Connect from a given loopback address: 127.0.0.0/8 is all loopback on Linux, so
    parallel clients can be distinct addresses to the proxy and the rate limiter."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(pool_maxsize=4)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(tier: Tier, address: str = "127.0.0.1") -> requests.Session:
    session = tier.client()
    session.mount("https://", SourceAddress(address))
    return session


@pytest.fixture()
def tls_page(browser: Any, tier: Tier) -> Iterator[Any]:
    """A Chromium page in a fresh context that accepts the tier's self-signed certificate."""
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    yield page
    context.close()


def tls_context(tier: Tier) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(tier.cert))
