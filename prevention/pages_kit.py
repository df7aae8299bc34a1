"""The contract clause, the poster, the start-up agenda and the two logs."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from prevention import documents, kit, messages, productions
from prevention.errors import Invalid
from prevention.forms import ClauseForm, MadeKnownForm, TalkForm
from prevention.models import Production
from prevention.views import EDIT, READ, bp, scope_key, scope_of, today
from trygg import access
from trygg.extensions import db

Page = str | Response | tuple[str, int]


def _contacts(production: Production | None) -> str:
    return production.contacts if production is not None else ""


def _clause_text(production: Production | None) -> tuple[str, object]:
    session, org = db.session(), g.org
    doc = (documents.existing_draft(session, org, production, "clause")
           or documents.published(session, org, production, "clause"))
    if production is not None and doc is None:
        doc = documents.published(session, org, None, "clause")
    if doc is not None and doc.content.get("text"):
        return doc.content["text"], doc
    url = kit.reporting_url(org, production)
    made = kit.clause_template(org, production, url,
                               documents.published_for(session, org, production),
                               _contacts(production))
    return made, doc


@bp.route("/orgs/<org_slug>/prevention/<scope>/clause", methods=["GET", "POST"])
@access.org(*EDIT)
def clause(org_slug: str, scope: str) -> Page:
    production = scope_of(scope)
    session = db.session()
    text, doc = _clause_text(production)
    if request.method == "POST":
        form = ClauseForm()
        if form.validate_on_submit():
            try:
                draft = documents.draft(session, g.org, production, "clause")
                documents.set_text(draft, form.text.data or "")
                draft.in_contracts_from = form.in_contracts_from.data
                if request.form.get("action") == "publish":
                    documents.publish(session, draft, today())
            except Invalid as exc:
                db.session.rollback()
                messages.attach(form, exc)
            else:
                db.session.commit()
                flash(_("The contract clause is saved."), "success")
                return redirect(url_for("prevention.clause", org_slug=g.org.slug,
                                        scope=scope_key(production)))
    else:
        form = ClauseForm(formdata=None, data={
            "text": text, "in_contracts_from": getattr(doc, "in_contracts_from", None)})
    return render_template("prevention/clause.html", org=g.org, production=production,
                           scope=scope_key(production), form=form, doc=doc), (
        400 if form.errors else 200)


@bp.get("/orgs/<org_slug>/prevention/<scope>/clause.txt")
@access.org(*READ)
def clause_text(org_slug: str, scope: str) -> Response:
    production = scope_of(scope)
    text, _doc = _clause_text(production)
    response = Response(text + "\n", mimetype="text/plain")
    name = f"kontraktpunkt-{g.org.slug}.txt"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/orgs/<org_slug>/prevention/<scope>/clause/print")
@access.org(*READ)
def clause_print(org_slug: str, scope: str) -> str:
    production = scope_of(scope)
    text, doc = _clause_text(production)
    return render_template("prevention/clause_print.html", org=g.org, production=production,
                           text=text, doc=doc)


@bp.get("/orgs/<org_slug>/prevention/<scope>/poster")
@access.org(*READ)
def poster(org_slug: str, scope: str) -> str:
    production = scope_of(scope)
    url = kit.reporting_url(g.org, production)
    return render_template(
        "prevention/poster.html", org=g.org, production=production, url=url,
        qr=kit.qr_svg(url), published=documents.published_for(db.session(), g.org, production))


@bp.get("/orgs/<org_slug>/prevention/<scope>/agenda")
@access.org(*READ)
def agenda(org_slug: str, scope: str) -> str:
    production = scope_of(scope)
    url = kit.reporting_url(g.org, production)
    return render_template(
        "prevention/agenda.html", org=g.org, production=production, url=url,
        published=documents.published_for(db.session(), g.org, production))


# --- logs ------------------------------------------------------------------------------------

def _log_page(production: Production | None, made: MadeKnownForm | None = None,
              talk: TalkForm | None = None, status: int = 200) -> Page:
    session, org = db.session(), g.org
    return render_template(
        "prevention/log.html", org=org, production=production, scope=scope_key(production),
        made_known=productions.made_known(session, org, production),
        talks=productions.talks(session, org, production),
        made=made or MadeKnownForm(formdata=None, data={"on_date": today()}, prefix="mk"),
        talk=talk or TalkForm(formdata=None, data={"on_date": today()}, prefix="talk"),
        can_edit=g.membership.role in EDIT), status


@bp.get("/orgs/<org_slug>/prevention/<scope>/log")
@access.org(*READ)
def log(org_slug: str, scope: str) -> Page:
    return _log_page(scope_of(scope))


@bp.post("/orgs/<org_slug>/prevention/<scope>/log/made-known")
@access.org(*EDIT)
def log_made_known(org_slug: str, scope: str) -> Page:
    production = scope_of(scope)
    form = MadeKnownForm(prefix="mk")
    if form.validate_on_submit():
        try:
            productions.log_made_known(
                db.session(), g.org, production, on=form.on_date.data,
                channel=form.channel.data or "", artefacts=form.artefacts.data or [],
                audience=form.audience.data, today=today())
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
        else:
            db.session.commit()
            flash(_("Logged."), "success")
            return redirect(url_for("prevention.log", org_slug=g.org.slug,
                                    scope=scope_key(production)))
    return _log_page(production, made=form, status=400)


@bp.post("/orgs/<org_slug>/prevention/<scope>/log/talk")
@access.org(*EDIT)
def log_talk(org_slug: str, scope: str) -> Page:
    production = scope_of(scope)
    form = TalkForm(prefix="talk")
    if form.validate_on_submit():
        try:
            productions.log_talk(
                db.session(), g.org, production, on=form.on_date.data,
                occasion=form.occasion.data or "", topics=form.topics.data or [],
                participants=form.participants.data, today=today())
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
        else:
            db.session.commit()
            flash(_("Logged."), "success")
            return redirect(url_for("prevention.log", org_slug=g.org.slug,
                                    scope=scope_key(production)))
    return _log_page(production, talk=form, status=400)
