"""The address links in mails and print carry.

In production it is always `TRYGG_BASE_URL` (a Host header is never trusted there). Outside
production, during a request, it is the address the server was actually reached on, so
that `make run PORT=5050` or `flask run --port …` gives working invitation links and QR
codes; commands run outside a request (cron mails, `flask trygg invite`) use the setting.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request


def external_base() -> str:
    """The scheme and host (and port) for absolute links, without a trailing slash."""
    config = current_app.config["TRYGG"]
    if config.env != "production" and has_request_context():
        return str(request.host_url).rstrip("/")
    return str(config.base_url).rstrip("/")


__all__ = ["external_base"]
