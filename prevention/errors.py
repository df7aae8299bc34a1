"""The one error prevention's services raise: which field, and why (a code)."""

from __future__ import annotations

from typing import Any


class Invalid(ValueError):
    """Bad input for `field`; nothing was changed. `reason` is a short code."""

    def __init__(self, field: str, reason: str, **detail: Any) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.detail = detail
