"""Flask extensions, created unbound and initialised in the factory."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import UTC, datetime

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from trygg.database import db


def client_network(address: str | None, ipv6_prefix: int) -> str:
    """What a rate limit counts as one client: an IPv4 address, or an IPv6 address's
    network (a /64 by default: what one subscriber or one host is usually given)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/{ipv6_prefix}", strict=False))
    return str(ip)


def rate_limit_key() -> str:
    """A keyed hash of the client's address (IPv6: its network) that rotates every day.

    The raw address is never stored: the limiter's storage (memory or Redis) sees only
    HMAC(secret, date, address), which cannot be reversed without the secret and stops
    linking after the day ends.
    """
    address = client_network(request.remote_addr,
                              current_app.config["TRYGG"].ratelimit_ipv6_prefix)
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"ratelimit/{day}/{address}".encode(), hashlib.sha256).hexdigest()[:32]


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=rate_limit_key, default_limits=[], headers_enabled=False)

__all__ = ["babel", "csrf", "db", "limiter", "login_manager", "migrate", "rate_limit_key"]
