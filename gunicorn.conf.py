"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Access lines carry no client address, user agent or referrer, and reporter routes
(/r/..., /api/v1/r/...), the exercise's participant routes (/x/...), invitation links
(/invite/<token>) and facilitators' exercise URLs (…/exercises/<join code>…) are not logged
at all.
"""

import os

from gunicorn.glogging import Logger

bind = os.environ.get("TRYGG_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TRYGG_WORKERS", "2"))
threads = int(os.environ.get("TRYGG_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("TRYGG_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27's control socket defaults to one shared path (~/.gunicorn/gunicorn.ctl), which
# two app servers on one host would fight over; Trygg does not use it.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
# No %(h)s (address), %(a)s (user agent), %(f)s (referrer) or %(t)s (precise time).
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class PrivacyLogger(Logger):
    """Drop access lines for reporter routes entirely."""

    def access(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        path = environ.get("PATH_INFO", "")
        if path.startswith(("/r/", "/api/v1/r/", "/invite/", "/x/")) or "/exercises/" in path:
            return
        super().access(resp, req, environ, request_time)


logger_class = PrivacyLogger
