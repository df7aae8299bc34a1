"""JSON request bodies with a depth limit.

Python's JSON parser recurses: a body of a few thousand nested brackets raises
RecursionError (not ValueError), which Flask does not expect and answers with 500, on every
endpoint that reads JSON, signed in or not. No body this app accepts is nested more than a
handful of levels, so anything deeper than MAX_DEPTH is refused with 400 and a JSON error.
"""

from __future__ import annotations

from typing import Any

from flask import Request as FlaskRequest
from werkzeug.exceptions import BadRequest

MAX_DEPTH = 32


class BadJSON(BadRequest):
    """The body is not JSON this app can take (nested too deeply)."""

    description = "nested too deeply"


def too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `data` nests lists/objects more than `limit` levels (without recursion)."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return False


class Request(FlaskRequest):
    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        try:
            data = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            raise BadJSON() from None
        if too_deep(data):
            raise BadJSON()
        return data
