"""Typed, frozen configuration read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEV_SECRET = "dev-only-insecure-secret-change-me"  # noqa: S105 - refused outside development
INSTANCE_DIR = Path(os.environ.get("TRYGG_INSTANCE_DIR", Path.cwd() / "instance"))


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _epsilon(raw: str | None) -> float | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"TRYGG_STATS_EPSILON must be a number, got {raw!r}") from exc
    if not 0 < value < float("inf"):
        raise ConfigError("TRYGG_STATS_EPSILON must be a positive number (for example 1.0)")
    return value


@dataclass(frozen=True)
class Config:
    env: str = "development"  # development | testing | production
    secret_key: str = DEV_SECRET
    database_url: str = f"sqlite:///{INSTANCE_DIR / 'trygg.db'}"
    ratelimit_storage_uri: str = "memory://"
    base_url: str = "http://127.0.0.1:5000"
    session_idle_minutes: int = 30
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none).
    # Rate limits need the client's address, not the proxy's (it is only ever hashed).
    proxy_hops: int = 0
    # Rate limits count an IPv6 client by its network, not its address: one subscriber gets
    # a whole /64 (or /56) and could otherwise be 2^64 clients.
    ratelimit_ipv6_prefix: int = 64
    # Mail: handlers are told that something arrived, never what.
    mail_from: str = "Trygg <no-reply@trygg.invalid>"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_outbox: str = str(INSTANCE_DIR / "outbox")  # used when smtp_host is empty
    # Attachments (bytes).
    attachment_max_file: int = 50 * 1024 * 1024
    attachment_max_case: int = 200 * 1024 * 1024
    # Disk-fill guards (docs/deploy.md): attachment bytes one organisation may accept a day,
    # and the free space below which no attachment is accepted, measured at disk_guard_path
    # (the database's disk; empty: the instance folder).
    intake_daily_bytes: int = 2 * 1024 * 1024 * 1024
    min_free_disk: int = 2 * 1024 * 1024 * 1024
    disk_guard_path: str = ""
    # Work factors; tests lower them through `replace(...)`.
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 64 * 1024
    csrf_enabled: bool = True
    # Leaders' statistics: ε for the optional noise on released counts (None: no noise).
    stats_epsilon: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ.get("TRYGG_ENV", "development")
        defaults = cls()
        config = cls(
            env=env,
            secret_key=os.environ.get("TRYGG_SECRET_KEY", defaults.secret_key),
            database_url=os.environ.get("TRYGG_DATABASE_URL", defaults.database_url),
            ratelimit_storage_uri=os.environ.get(
                "TRYGG_RATELIMIT_STORAGE_URI", defaults.ratelimit_storage_uri
            ),
            base_url=os.environ.get("TRYGG_BASE_URL", defaults.base_url).rstrip("/"),
            session_idle_minutes=_int("TRYGG_SESSION_IDLE_MINUTES", 30),
            proxy_hops=_int("TRYGG_PROXY_HOPS", 0),
            ratelimit_ipv6_prefix=_int("TRYGG_RATELIMIT_IPV6_PREFIX",
                                       defaults.ratelimit_ipv6_prefix),
            mail_from=os.environ.get("TRYGG_MAIL_FROM", defaults.mail_from),
            smtp_host=os.environ.get("TRYGG_SMTP_HOST", ""),
            smtp_port=_int("TRYGG_SMTP_PORT", 587),
            smtp_user=os.environ.get("TRYGG_SMTP_USER", ""),
            smtp_password=os.environ.get("TRYGG_SMTP_PASSWORD", ""),
            smtp_starttls=_bool(os.environ.get("TRYGG_SMTP_STARTTLS"), True),
            mail_outbox=os.environ.get("TRYGG_MAIL_OUTBOX", defaults.mail_outbox),
            attachment_max_file=_int("TRYGG_ATTACHMENT_MAX_FILE", defaults.attachment_max_file),
            attachment_max_case=_int("TRYGG_ATTACHMENT_MAX_CASE", defaults.attachment_max_case),
            intake_daily_bytes=_int("TRYGG_INTAKE_DAILY_BYTES", defaults.intake_daily_bytes),
            min_free_disk=_int("TRYGG_MIN_FREE_DISK", defaults.min_free_disk),
            disk_guard_path=os.environ.get("TRYGG_DISK_GUARD_PATH", defaults.disk_guard_path),
            stats_epsilon=_epsilon(os.environ.get("TRYGG_STATS_EPSILON")),
        )
        config.validate()
        return config

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)

    def validate(self) -> None:
        if self.env not in {"development", "testing", "production"}:
            raise ConfigError(f"TRYGG_ENV must be development, testing or production: {self.env!r}")
        if not 32 <= self.ratelimit_ipv6_prefix <= 128:
            raise ConfigError("TRYGG_RATELIMIT_IPV6_PREFIX must be from 32 to 128 (64 or 56)")
        if not self.is_development and self.env != "testing":
            if not self.secret_key or self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
                raise ConfigError(
                    "TRYGG_SECRET_KEY must be set to a random value of at least 32 characters "
                    "outside development "
                    "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
            if self.ratelimit_storage_uri.startswith("memory://"):
                raise ConfigError(
                    "TRYGG_RATELIMIT_STORAGE_URI must point at Redis in production "
                    "(for example redis://127.0.0.1:6379/0): in-memory limits are per process"
                )
