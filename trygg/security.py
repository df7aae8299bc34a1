"""Security headers on every response."""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from trygg.origin import UNSAFE, same_origin

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PERMISSIONS = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
        "browsing-topics",
    )
)


def session_identifier() -> str:
    """What Flask-Login keeps in a staff session to notice a changed browser: a keyed hash
    of the User-Agent only, never the address (the cookie is signed, not encrypted)."""
    agent = request.headers.get("User-Agent", "")
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"trygg/v1/session-id\x00" + agent.encode(), hashlib.sha256).hexdigest()


def install(app: Flask) -> None:
    production = app.config["TRYGG"].is_production

    @app.before_request
    def from_our_pages() -> None:
        if (request.method in UNSAFE and app.config.get("WTF_CSRF_ENABLED", True)
                and not same_origin(request)):
            raise CSRFError("The request did not come from this site's own pages.")

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Permissions-Policy"] = PERMISSIONS
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if production:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if "Cache-Control" not in response.headers and response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response
