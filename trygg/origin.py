"""Where a state-changing request came from, as far as the browser tells us.

Every page sends `Referrer-Policy: no-referrer`, so browsers send no Referer and, on a form
post, `Origin: null`. Flask-WTF's HTTPS check wants a same-origin Referer and so refused
every staff form over HTTPS; it is off (`WTF_CSRF_SSL_STRICT = False`), and this check takes
its place for every unsafe request, staff and reporter alike:

- `Sec-Fetch-Site` (set by the browser, not by page script) must be `same-origin`, or
  `none` (the user's own action, such as resending a form after a reload);
- an `Origin` that names a site must be ours;
- `Origin: null` without `Sec-Fetch-Site` is refused: that is an opaque origin (a sandboxed
  frame, a `data:` page) on a browser too old to tell us more;
- a request with neither header comes from no browser that could carry a victim's cookies
  by itself (scripts, old clients): the CSRF token and SameSite=Strict cookies decide.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Request

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def same_origin(request: Request) -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if site is not None and site not in ("same-origin", "none"):
        return False
    if origin is not None and origin != "null":
        return urlsplit(origin).netloc == request.host
    return not (origin == "null" and site is None)
