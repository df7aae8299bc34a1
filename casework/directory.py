"""The referral directory (design.md section 9): where else to get help.

The national entries are data in `casework/data/referrals.json`; an organisation's admins add
local ones (`LocalReferral`). Every entry carries its role (when to refer there), contact
channels, its source (text in nb and en, and a URL), whether it is free and whether one can
be anonymous, and `checked`: the date a person actually verified it against the source, or
nothing. An entry nobody verified says "not checked since" the date it was compiled, never a
check that did not happen. When two versions in the file share a code, the newer one is
shown. A local entry never replaces a national one: it is listed beside it.

API (used by the reporter's "Søk råd" box and by casework's referrals):
- `entries(session, org) -> list[Entry]`: what an organisation shows, newest per code.
- `entry(code, session=None, org=None) -> Entry`: one entry; `UnknownReferral` otherwise.
- `national() -> list[Entry]`: the data file alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from accounts.models import Organisation
from trygg.database import IntPk, PublicId, db

DATA_FILE = Path(__file__).resolve().parent / "data" / "referrals.json"
CHANNEL_KINDS = ("phone", "email", "web", "chat")
CODE_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"
LANGUAGES = ("nb", "en")


class UnknownReferral(LookupError):
    """No directory entry has that code (for this organisation)."""


class DirectoryDataError(ValueError):
    """The data file breaks the format; the message says where."""


@dataclass(frozen=True)
class Channel:
    kind: str  # phone | email | web | chat
    value: str
    hours: dict[str, str] = field(default_factory=dict)

    @property
    def href(self) -> str:
        if self.kind == "phone":
            digits = re.sub(r"[^\d+]", "", self.value)
            # Norwegian numbers of eight digits get the country code; short codes stay.
            return f"tel:+47{digits}" if len(digits) == 8 and digits[0] != "+" else f"tel:{digits}"
        if self.kind == "email":
            return f"mailto:{self.value}"
        return self.value

    @property
    def label(self) -> str:
        """What to show for a link: the address without the scheme."""
        if self.kind in ("web", "chat"):
            return re.sub(r"^https?://(www\.)?", "", self.value).rstrip("/")
        return self.value

    def hours_in(self, lang: str) -> str:
        return self.hours.get(lang) or self.hours.get("nb", "")


@dataclass(frozen=True)
class Entry:
    code: str
    name: dict[str, str]
    role: dict[str, str]
    channels: tuple[Channel, ...]
    source: dict[str, str]  # {"nb": …, "en": …, "url": …}; url may be absent
    checked: date | None  # when a person verified the entry against its source
    compiled: date  # when the entry was last written
    free: bool | None = None
    anonymous: bool | None = None
    local: bool = False
    previously: tuple[dict[str, Any], ...] = ()

    @property
    def as_of(self) -> date:
        return self.checked or self.compiled

    def source_in(self, lang: str) -> str:
        return self.source.get(lang) or self.source["nb"]

    def source_line(self, lang: str) -> str:
        """Where the details come from and whether anyone checked them, in words."""
        from flask_babel import format_date
        from flask_babel import gettext as _

        if self.checked is not None:
            return _("Source: %(source)s. Checked against the source %(date)s.",
                     source=self.source_in(lang), date=format_date(self.checked, "long"))
        return _("Source: %(source)s. Not checked since %(date)s.",
                 source=self.source_in(lang), date=format_date(self.compiled, "long"))

    def name_in(self, lang: str) -> str:
        return self.name.get(lang) or self.name["nb"]

    def role_in(self, lang: str) -> str:
        return self.role.get(lang) or self.role["nb"]

    def previously_in(self, lang: str) -> list[tuple[str, str]]:
        """Older contact details people may still have on paper: (note, source)."""
        return [(p["note"].get(lang) or p["note"]["nb"], p["source"]) for p in self.previously]


# -- the data file ----------------------------------------------------------------------


def _texts(raw: object, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not isinstance(raw.get("nb"), str) or not raw["nb"].strip():
        raise DirectoryDataError(f"{where}: needs at least a Norwegian ('nb') text")
    if set(raw) - set(LANGUAGES) or not all(isinstance(v, str) for v in raw.values()):
        raise DirectoryDataError(f"{where}: only 'nb' and 'en' texts")
    return {k: v.strip() for k, v in raw.items()}


def _channel(raw: object, where: str) -> Channel:
    if not isinstance(raw, dict) or raw.get("kind") not in CHANNEL_KINDS:
        raise DirectoryDataError(f"{where}: kind must be one of {CHANNEL_KINDS}")
    value = raw.get("value")
    if not isinstance(value, str) or not value.strip():
        raise DirectoryDataError(f"{where}: needs a value")
    if raw["kind"] in ("web", "chat") and not value.startswith("https://"):
        raise DirectoryDataError(f"{where}: web addresses start with https://")
    hours = _texts(raw["hours"], f"{where}.hours") if "hours" in raw else {}
    return Channel(raw["kind"], value.strip(), hours)


def _entry(raw: object, where: str) -> Entry:
    if not isinstance(raw, dict):
        raise DirectoryDataError(f"{where}: not an object")
    code = raw.get("code")
    if not isinstance(code, str) or not re.fullmatch(CODE_PATTERN, code):
        raise DirectoryDataError(f"{where}: code must match {CODE_PATTERN}")
    channels = raw.get("channels")
    if not isinstance(channels, list) or not channels:
        raise DirectoryDataError(f"{where}: needs at least one contact channel")
    raw_source = raw.get("source")
    if not isinstance(raw_source, dict):
        raise DirectoryDataError(f"{where}.source: needs at least a Norwegian ('nb') text")
    url = raw_source.get("url")
    if url is not None and (not isinstance(url, str) or not url.startswith("https://")):
        raise DirectoryDataError(f"{where}.source: the url starts with https://")
    texts = {k: v for k, v in raw_source.items() if k != "url"} if url else raw_source
    source = _texts(texts, f"{where}.source") | ({"url": url} if url else {})
    try:
        compiled = date.fromisoformat(raw["compiled"])
        checked = date.fromisoformat(raw["checked"]) if raw.get("checked") else None
    except (KeyError, TypeError, ValueError):
        raise DirectoryDataError(
            f"{where}: 'compiled' must be an ISO date, 'checked' an ISO date or null"
        ) from None
    flags = {k: raw.get(k) for k in ("free", "anonymous")}
    if any(v is not None and not isinstance(v, bool) for v in flags.values()):
        raise DirectoryDataError(f"{where}: 'free' and 'anonymous' are true, false or null")
    previously = raw.get("previously", [])
    for i, p in enumerate(previously):
        if not isinstance(p, dict) or not isinstance(p.get("source"), str):
            raise DirectoryDataError(f"{where}.previously[{i}]: needs a note and a source")
        _texts(p.get("note"), f"{where}.previously[{i}].note")
    return Entry(
        code=code,
        name=_texts(raw.get("name"), f"{where}.name"),
        role=_texts(raw.get("role"), f"{where}.role"),
        channels=tuple(_channel(c, f"{where}.channels[{i}]") for i, c in enumerate(channels)),
        source=source,
        checked=checked,
        compiled=compiled,
        free=flags["free"],
        anonymous=flags["anonymous"],
        previously=tuple(previously),
    )


def load(path: Path = DATA_FILE) -> list[Entry]:
    """Every version in a data file, validated (DirectoryDataError names the bad place)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    raw = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise DirectoryDataError(f"{path.name}: needs a list 'entries'")
    return [_entry(e, f"{path.name} entries[{i}]") for i, e in enumerate(raw)]


def newest(versions: Iterable[Entry]) -> list[Entry]:
    """One entry per code, the most recent (checked, else compiled); first-seen order.

    On a tie the later one wins.
    """
    chosen: dict[str, Entry] = {}
    for e in versions:
        old = chosen.get(e.code)
        if old is None or e.as_of >= old.as_of:
            chosen[e.code] = e
    return list(chosen.values())


@lru_cache(maxsize=1)
def _national() -> tuple[Entry, ...]:
    return tuple(newest(load()))


def national() -> list[Entry]:
    """The national entries from the data file, newest version per code."""
    return list(_national())


# -- local entries ----------------------------------------------------------------------


class LocalReferral(db.Model):  # type: ignore[name-defined]
    """A referral an organisation's admin added (a local service, or newer national details)."""

    __tablename__ = "referral_local"
    __table_args__ = (
        UniqueConstraint("organisation_id", "code", name="org_code"),
        CheckConstraint("length(code) BETWEEN 2 AND 40", name="code"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    web: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(300))
    checked: Mapped[date] = mapped_column(Date)

    def as_entry(self) -> Entry:
        channels = []
        hours = {"nb": self.hours} if self.hours else {}
        if self.phone:
            channels.append(Channel("phone", self.phone, hours))
            hours = {}
        if self.email:
            channels.append(Channel("email", self.email))
        if self.web:
            channels.append(Channel("web", self.web, hours))
        # Admins write in one language; it is shown in both. The admin who saves an entry
        # states the date they checked it.
        return Entry(
            code=self.code,
            name={"nb": self.name},
            role={"nb": self.role},
            channels=tuple(channels),
            source={"nb": self.source},
            checked=self.checked,
            compiled=self.checked,
            local=True,
        )


def local_referrals(session: Session, org: Organisation) -> list[LocalReferral]:
    return list(
        session.scalars(
            select(LocalReferral)
            .where(LocalReferral.organisation_id == org.id)
            .order_by(LocalReferral.name)
        )
    )




def entries(session: Session, org: Organisation | None) -> list[Entry]:
    """What an organisation shows: every national entry, then its own local ones.

    A local entry never replaces a national one (design.md section 9): one saved earlier
    under a national code is listed beside it, under the code `local_<code>`.
    """
    national_codes = {e.code for e in _national()}
    local = [r.as_entry() for r in local_referrals(session, org)] if org is not None else []
    local = [
        replace(e, code=f"local_{e.code}"[:40]) if e.code in national_codes else e
        for e in local
    ]
    return [*_national(), *newest(local)]


def entry(code: str, session: Session | None = None, org: Organisation | None = None) -> Entry:
    """One entry by code (with the organisation's local versions when given)."""
    pool = entries(session, org) if session is not None and org is not None else national()
    for e in pool:
        if e.code == code:
            return e
    raise UnknownReferral(code)


class LocalReferralError(ValueError):
    """An admin's entry is incomplete; the message says what to fix."""


def save_local(
    session: Session,
    org: Organisation,
    *,
    code: str,
    name: str,
    role: str,
    phone: str = "",
    email: str = "",
    web: str = "",
    hours: str = "",
    source: str,
    checked: date,
) -> LocalReferral:
    """Add a local entry, or update the organisation's entry with the same code."""
    code = code.strip().lower()
    if not re.fullmatch(CODE_PATTERN, code):
        raise LocalReferralError("code")
    if code in {e.code for e in _national()}:
        raise LocalReferralError("national")
    if not (phone.strip() or email.strip() or web.strip()):
        raise LocalReferralError("channel")
    if web.strip() and not web.strip().startswith("https://"):
        raise LocalReferralError("web")
    existing = session.scalar(
        select(LocalReferral).where(
            LocalReferral.organisation_id == org.id, LocalReferral.code == code
        )
    )
    referral = existing or LocalReferral(organisation_id=org.id, code=code)
    referral.name, referral.role = name.strip(), role.strip()
    referral.phone, referral.email, referral.web = phone.strip(), email.strip(), web.strip()
    referral.hours, referral.source, referral.checked = hours.strip(), source.strip(), checked
    if existing is None:
        session.add(referral)
    return referral


def delete_local(session: Session, org: Organisation, public_id: object) -> LocalReferral:
    referral = session.scalar(
        select(LocalReferral).where(
            LocalReferral.organisation_id == org.id, LocalReferral.public_id == public_id
        )
    )
    if referral is None:
        raise UnknownReferral(str(public_id))
    session.delete(referral)
    return referral


__all__ = [
    "Channel",
    "DirectoryDataError",
    "Entry",
    "LocalReferral",
    "LocalReferralError",
    "UnknownReferral",
    "delete_local",
    "entries",
    "entry",
    "load",
    "local_referrals",
    "national",
    "newest",
    "save_local",
]
