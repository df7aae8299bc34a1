"""The overview, productions and risk mapping pages."""

from __future__ import annotations

import uuid

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from prevention import documents, messages, productions, progress
from prevention.errors import Invalid
from prevention.forms import (
    AgreementForm,
    CustomFactorForm,
    MappingFactorForm,
    ProductionForm,
)
from prevention.views import EDIT, READ, bp, scope_key, scope_of, today
from trygg import access
from trygg.extensions import db

Page = str | Response | tuple[str, int]


@bp.get("/orgs/<org_slug>/prevention")
@access.org(*READ)
def overview(org_slug: str) -> str:
    session, org = db.session(), g.org
    return render_template(
        "prevention/overview.html", org=org,
        productions=productions.productions(session, org),
        status=progress.scope_status(session, org, None, today()),
        steps=progress.balansemerket(session, org, today()),
        can_edit=g.membership.role in EDIT, current_year=today().year)


@bp.route("/orgs/<org_slug>/prevention/productions/new", methods=["GET", "POST"])
@access.org(*EDIT)
def production_new(org_slug: str) -> Page:
    return _production_form(None)


@bp.route("/orgs/<org_slug>/prevention/<scope>/edit", methods=["GET", "POST"])
@access.org(*EDIT)
def production_edit(org_slug: str, scope: str) -> Page:
    found = scope_of(scope)
    if found is None:
        abort(404)
    return _production_form(found)


def _production_form(found: productions.Production | None) -> Page:
    form = ProductionForm(obj=found)
    if form.validate_on_submit():
        try:
            saved = productions.save_production(
                db.session(), g.org, found, name=form.name.data or "",
                kind=form.kind.data or "", starts_on=form.starts_on.data,
                ends_on=form.ends_on.data, has_minors=form.has_minors.data,
                has_intimate_work=form.has_intimate_work.data,
                contacts=form.contacts.data or "")
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
        else:
            db.session.commit()
            flash(_("The production is saved."), "success")
            return redirect(url_for("prevention.scope_page", org_slug=g.org.slug,
                                    scope=scope_key(saved)))
    status = 400 if form.errors else 200
    return render_template("prevention/production_form.html", org=g.org, form=form,
                           production=found), status


@bp.get("/orgs/<org_slug>/prevention/<scope>")
@access.org(*READ)
def scope_page(org_slug: str, scope: str) -> str:
    session, org = db.session(), g.org
    found = scope_of(scope)
    return render_template(
        "prevention/scope.html", org=org, production=found, scope=scope_key(found),
        status=progress.scope_status(session, org, found, today()),
        mappings=productions.mappings(session, org, found),
        can_edit=g.membership.role in EDIT)


# --- risk mapping ----------------------------------------------------------------------

@bp.post("/orgs/<org_slug>/prevention/<scope>/mappings")
@access.org(*EDIT)
def mapping_new(org_slug: str, scope: str) -> Response:
    found = scope_of(scope)
    created = productions.start_mapping(db.session(), g.org, found, today())
    db.session.commit()
    return redirect(url_for("prevention.mapping_page", org_slug=g.org.slug,
                            mapping_id=created.public_id))


def _mapping(mapping_id: uuid.UUID) -> productions.Mapping:
    found = productions.mapping(db.session(), g.org, mapping_id)
    if found is None:
        abort(404)
    return found


def _factor_forms(found: productions.Mapping, posted: bool = False
                  ) -> list[tuple[productions.MappingFactor, MappingFactorForm]]:
    out = []
    for factor in found.factors:
        prefix = f"f{factor.id}"
        form = (MappingFactorForm(prefix=prefix) if posted
                else MappingFactorForm(prefix=prefix, formdata=None, obj=factor))
        out.append((factor, form))
    return out


def _mapping_page(found: productions.Mapping, forms: list | None = None,
                  agreement: AgreementForm | None = None,
                  custom: CustomFactorForm | None = None, status: int = 200) -> Page:
    agreement = agreement or AgreementForm(formdata=None, obj=found,
                                           **(found.participants or {}))
    return render_template(
        "prevention/mapping.html", org=g.org, mapping=found, production=found.production,
        scope=scope_key(found.production), forms=forms or _factor_forms(found),
        agreement=agreement, custom=custom or CustomFactorForm(formdata=None)), status


@bp.get("/orgs/<org_slug>/prevention/mappings/<uuid:mapping_id>")
@access.org(*EDIT)
def mapping_page(org_slug: str, mapping_id: uuid.UUID) -> Page:
    return _mapping_page(_mapping(mapping_id))


@bp.post("/orgs/<org_slug>/prevention/mappings/<uuid:mapping_id>")
@access.org(*EDIT)
def mapping_save(org_slug: str, mapping_id: uuid.UUID) -> Page:
    found = _mapping(mapping_id)
    forms = _factor_forms(found, posted=True)
    ok = all(form.validate() for _factor, form in forms)
    if ok:
        try:
            for factor, form in forms:
                productions.update_factor(
                    factor, relevance=form.relevance.data, situations=form.situations.data or [],
                    existing_measures=form.existing_measures.data or "",
                    proposed_rules=form.proposed_rules.data or "",
                    proposed_routines=form.proposed_routines.data or "",
                    owner=form.owner.data or "", due_on=form.due_on.data)
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
            ok = False
    if not ok:
        db.session.rollback()
        flash(_("Nothing was saved. Correct the fields marked below."), "error")
        return _mapping_page(_mapping(mapping_id), forms=forms, status=400)
    db.session.commit()
    flash(_("The risk mapping is saved."), "success")
    return redirect(url_for("prevention.mapping_page", org_slug=g.org.slug,
                            mapping_id=mapping_id))


@bp.post("/orgs/<org_slug>/prevention/mappings/<uuid:mapping_id>/custom")
@access.org(*EDIT)
def mapping_custom(org_slug: str, mapping_id: uuid.UUID) -> Page:
    found = _mapping(mapping_id)
    form = CustomFactorForm()
    if form.validate_on_submit():
        try:
            productions.add_custom_factor(db.session(), found, form.label.data or "")
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
        else:
            db.session.commit()
            return redirect(url_for("prevention.mapping_page", org_slug=g.org.slug,
                                    mapping_id=mapping_id))
    return _mapping_page(_mapping(mapping_id), custom=form, status=400)


@bp.post("/orgs/<org_slug>/prevention/mappings/<uuid:mapping_id>/agree")
@access.org(*EDIT)
def mapping_agree(org_slug: str, mapping_id: uuid.UUID) -> Page:
    found = _mapping(mapping_id)
    form = AgreementForm()
    if form.validate_on_submit():
        try:
            productions.agree_mapping(found, agreed_on=form.agreed_on.data,
                                      forum=form.forum.data or "",
                                      participants=form.participants(), today=today())
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
        else:
            db.session.commit()
            flash(_("The risk mapping is recorded as agreed."), "success")
            return redirect(url_for("prevention.mapping_page", org_slug=g.org.slug,
                                    mapping_id=mapping_id))
    return _mapping_page(_mapping(mapping_id), agreement=form, status=400)


__all__ = ["documents"]
