"""The app refuses to start outside development with unsafe settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from trygg import create_app
from trygg.config import DEV_SECRET, Config, ConfigError

GOOD_SECRET = "s" * 48
REDIS = "redis://127.0.0.1:6379/0"


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name in ("TRYGG_SECRET_KEY", "TRYGG_RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRYGG_ENV", "production")
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"TRYGG_RATELIMIT_STORAGE_URI": REDIS}, "TRYGG_SECRET_KEY"),
        ({"TRYGG_SECRET_KEY": DEV_SECRET, "TRYGG_RATELIMIT_STORAGE_URI": REDIS},
         "TRYGG_SECRET_KEY"),
        ({"TRYGG_SECRET_KEY": "short-secret", "TRYGG_RATELIMIT_STORAGE_URI": REDIS},
         "TRYGG_SECRET_KEY"),
        ({"TRYGG_SECRET_KEY": GOOD_SECRET}, "TRYGG_RATELIMIT_STORAGE_URI"),
        ({"TRYGG_SECRET_KEY": GOOD_SECRET, "TRYGG_RATELIMIT_STORAGE_URI": "memory://"},
         "TRYGG_RATELIMIT_STORAGE_URI"),
    ],
)
def test_production_refuses_unsafe_settings(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], complaint: str
) -> None:
    _env(monkeypatch, **env)
    with pytest.raises(ConfigError, match=complaint):
        Config.from_env()


def test_production_accepts_a_real_secret_and_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, TRYGG_SECRET_KEY=GOOD_SECRET, TRYGG_RATELIMIT_STORAGE_URI=REDIS)
    config = Config.from_env()
    assert config.is_production and config.secret_key == GOOD_SECRET


def test_create_app_refuses_before_doing_anything(tmp_path: Path) -> None:
    unsafe = Config(env="production", database_url=f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ConfigError):
        create_app(unsafe)
    assert not (tmp_path / "x.db").exists()


def test_an_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRYGG_ENV", "prod")
    with pytest.raises(ConfigError, match="TRYGG_ENV"):
        Config.from_env()


def test_development_runs_with_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRYGG_ENV", "development")
    monkeypatch.delenv("TRYGG_SECRET_KEY", raising=False)
    assert Config.from_env().secret_key == DEV_SECRET
