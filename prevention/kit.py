"""The make-known kit: the contract clause template, the QR code and the links."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from accounts.models import Organisation
from prevention.documents import Published
from prevention.models import Document, Production
from trygg.urls import external_base


def reporting_url(org: Organisation, production: Production | None) -> str:
    base = external_base()
    if production is None:
        return f"{base}{url_for('reporting.org_page', org_slug=org.slug)}"
    path = url_for("prevention.production_public", org_slug=org.slug,
                   production_id=production.public_id)
    return f"{base}{path}"


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no style attributes, so the strict CSP allows it)."""
    import segno

    return str(segno.make(url, error="m").svg_inline(scale=6, border=2, dark="#000",
                                                   title=url))


def clause_template(org: Organisation, production: Production | None, url: str,
                    published: Published, contacts: str) -> str:
    """A starting text for the clause, in the current language; the organisation edits it.

    Not Balansemerket's own text (see docs/prevention.md): it names the organisation, the
    reporting link, the rules and routines with their versions, that freelancers and
    volunteers are covered, whom to contact and where to get outside advice.
    """
    where = production.name if production else org.name
    lines = [
        _("Protection against sexual harassment"),
        "",
        _("%(org)s works to prevent sexual harassment and discrimination. This applies to "
          "everyone who works in %(where)s: employees, freelancers, volunteers and students.",
          org=org.name, where=where),
        "",
    ]
    versions = [(str(_("Rules")), d) for _scope, d in published.rules]
    versions += [(str(_("Routines")), d) for d in published.routines_docs]
    if versions:
        lines.append(_("The contracting parties agree to follow these, which are part of "
                       "the contract:"))
        for name, d in versions:
            when = _("version %(v)d of %(date)s", v=d.version, date=_date(d))
            lines.append(f"- {name} ({when})")
        lines.append("")
    lines += [
        _("Anyone can report what happened, also anonymously: %(url)s", url=url),
        _("Freelancers and volunteers are protected against retaliation for reporting "
          "(likestillings- og diskrimineringsloven § 14); employees and hired staff also by "
          "arbeidsmiljøloven § 2A-4."),
    ]
    if contacts.strip():
        lines += ["", _("Contact people:"), contacts.strip()]
    lines += ["", _("Free advice outside the organisation: Balansekunst, the Equality and "
                    "Anti-Discrimination Ombud (LDO) and the Labour Inspection Authority.")]
    return "\n".join(str(line) for line in lines)


def _date(doc: Document) -> str:
    return f"{doc.published_on:%d.%m.%Y}" if doc.published_on else "—"
