"""Editors for rules, routines, consequences and the standpoint; publishing."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from prevention import documents, messages
from prevention.errors import Invalid
from prevention.forms import (
    AgreementForm,
    ConsequencesForm,
    RoutinesForm,
    RuleForm,
    SignForm,
    TextForm,
)
from prevention.models import Production
from prevention.views import EDIT, SIGN, bp, scope_key, scope_of, today
from prevention.vocabulary import REACTIONS, ROUTINE_SECTIONS
from trygg import access
from trygg.extensions import db

Page = str | Response | tuple[str, int]


def _back(endpoint: str, production: Production | None) -> Response:
    return redirect(url_for(endpoint, org_slug=g.org.slug, scope=scope_key(production)))


def _agreement_of(doc: Any) -> dict[str, Any]:
    if doc is None:
        return {}
    return {"agreed_on": doc.agreed_on, "forum": doc.forum, **(doc.participants or {})}


def _record(form: AgreementForm, doc: Any) -> None:
    documents.record_agreement(doc, agreed_on=form.agreed_on.data, forum=form.forum.data or "",
                               participants=form.participants())


# --- rules ---------------------------------------------------------------------------------

def _rules_page(production: Production | None, rule_form: RuleForm | None = None,
                agreement: AgreementForm | None = None, status: int = 200) -> Page:
    session, org = db.session(), g.org
    current = documents.existing_draft(session, org, production, "rules")
    latest = documents.published(session, org, production, "rules")
    return render_template(
        "prevention/rules.html", org=org, production=production,
        scope=scope_key(production), draft=current, published=latest,
        inherited=(documents.published(session, org, None, "rules") if production else None),
        rule_form=rule_form or RuleForm(formdata=None),
        agreement=agreement or AgreementForm(formdata=None, data=_agreement_of(current)),
        history=documents.history(session, org, production, "rules")), status


@bp.get("/orgs/<org_slug>/prevention/<scope>/rules")
@access.org(*EDIT)
def rules(org_slug: str, scope: str) -> Page:
    return _rules_page(scope_of(scope))


@bp.post("/orgs/<org_slug>/prevention/<scope>/rules")
@access.org(*EDIT)
def rule_add(org_slug: str, scope: str) -> Page:
    production = scope_of(scope)
    form = RuleForm()
    if form.validate_on_submit():
        try:
            doc = documents.draft(db.session(), g.org, production, "rules")
            documents.add_rule(doc, form.question.data or "", form.text.data or "")
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
        else:
            db.session.commit()
            flash(_("The rule is added to the draft."), "success")
            return _back("prevention.rules", production)
    return _rules_page(production, rule_form=form, status=400)


@bp.post("/orgs/<org_slug>/prevention/<scope>/rules/<int:index>/remove")
@access.org(*EDIT)
def rule_remove(org_slug: str, scope: str, index: int) -> Response:
    production = scope_of(scope)
    doc = documents.existing_draft(db.session(), g.org, production, "rules")
    if doc is None:
        abort(404)
    try:
        documents.remove_rule(doc, index)
    except Invalid:
        abort(404)
    db.session.commit()
    return _back("prevention.rules", production)


@bp.post("/orgs/<org_slug>/prevention/<scope>/rules/publish")
@access.org(*EDIT)
def rules_publish(org_slug: str, scope: str) -> Page:
    production = scope_of(scope)
    form = AgreementForm()
    if form.validate_on_submit():
        try:
            doc = documents.draft(db.session(), g.org, production, "rules")
            _record(form, doc)
            documents.publish(db.session(), doc, today())
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
        else:
            db.session.commit()
            flash(_("The rules are published on the reporting page."), "success")
            return _back("prevention.rules", production)
    return _rules_page(production, agreement=form, status=400)


# --- routines and consequences --------------------------------------------------------------

SECTIONED = {
    "routines": (RoutinesForm, ROUTINE_SECTIONS),
    "consequences": (ConsequencesForm, REACTIONS),
}


def _sectioned(kind: str, production: Production | None) -> Page:
    session, org = db.session(), g.org
    form_class, sections = SECTIONED[kind]
    current = documents.existing_draft(session, org, production, kind)
    latest = documents.published(session, org, production, kind)
    source = current or latest
    if request.method == "POST":
        form = form_class()
    else:
        data = {**(source.content if source else {}), **_agreement_of(source)}
        if source is not None:
            data["with_representatives"] = source.with_representatives
        form = form_class(formdata=None, data=data)
    if request.method == "POST" and form.validate_on_submit():
        try:
            doc = documents.draft(session, org, production, kind)
            documents.set_sections(doc, {s: getattr(form, s).data or "" for s in sections},
                                   sections)
            _record(form, doc)
            if kind == "routines":
                doc.with_representatives = bool(form.with_representatives.data)
            if request.form.get("action") == "publish":
                documents.publish(session, doc, today())
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
        else:
            db.session.commit()
            flash(_("Published on the reporting page.") if doc.published_on
                  else _("The draft is saved."), "success")
            return _back(f"prevention.{kind}", production)
    inherited = documents.published(session, org, None, kind) if production else None
    status = 400 if form.errors else 200
    return render_template(
        f"prevention/{kind}.html", org=org, production=production,
        scope=scope_key(production), form=form, sections=sections, draft=current,
        published=latest, inherited=inherited,
        history=documents.history(session, org, production, kind)), status


@bp.route("/orgs/<org_slug>/prevention/<scope>/routines", methods=["GET", "POST"])
@access.org(*EDIT)
def routines(org_slug: str, scope: str) -> Page:
    return _sectioned("routines", scope_of(scope))


@bp.route("/orgs/<org_slug>/prevention/<scope>/consequences", methods=["GET", "POST"])
@access.org(*EDIT)
def consequences(org_slug: str, scope: str) -> Page:
    return _sectioned("consequences", scope_of(scope))


# --- the standpoint (organisation only) ------------------------------------------------------

def _standpoint_page(form: TextForm | None = None, sign: SignForm | None = None,
                     status: int = 200) -> Page:
    session, org = db.session(), g.org
    current = documents.existing_draft(session, org, None, "standpoint")
    latest = documents.published(session, org, None, "standpoint")
    source = current or latest
    text = (source.content.get("text") if source else None) or org.standpoint
    return render_template(
        "prevention/standpoint.html", org=org, draft=current, published=latest,
        form=form or TextForm(formdata=None, data={"text": text}),
        sign=sign or SignForm(formdata=None),
        can_sign=g.membership.role in SIGN,
        due=documents.standpoint_due(latest, today())), status


@bp.route("/orgs/<org_slug>/prevention/standpoint", methods=["GET", "POST"])
@access.org(*EDIT)
def standpoint(org_slug: str) -> Page:
    form = TextForm() if request.method == "POST" else None
    if form is not None and form.validate_on_submit():
        doc = documents.draft(db.session(), g.org, None, "standpoint")
        try:
            documents.set_text(doc, form.text.data or "")
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
        else:
            db.session.commit()
            flash(_("The draft is saved. A leader signs it to publish it."), "success")
            return redirect(url_for("prevention.standpoint", org_slug=g.org.slug))
    return _standpoint_page(form=form, status=400 if form is not None else 200)


@bp.post("/orgs/<org_slug>/prevention/standpoint/sign")
@access.org(*SIGN)
def standpoint_sign(org_slug: str) -> Page:
    form = SignForm()
    if form.validate_on_submit():
        session = db.session()
        doc = documents.draft(session, g.org, None, "standpoint")
        try:
            if not doc.content.get("text") and g.org.standpoint:
                documents.set_text(doc, g.org.standpoint)
            documents.sign_standpoint(doc, name=form.signed_by.data or "",
                                      title=form.signed_title.data or "", on=today())
            documents.publish(session, doc, today())
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
        else:
            db.session.commit()
            flash(_("The standpoint is signed and published."), "success")
            return redirect(url_for("prevention.standpoint", org_slug=g.org.slug))
    return _standpoint_page(sign=form, status=400)
