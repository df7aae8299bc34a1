"""The annual review, Balansemerket progress and the leader's mapping-meets-cases view."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from prevention import documents, messages, productions, progress, signals
from prevention.errors import Invalid
from prevention.forms import ReviewForm, StepForm
from prevention.models import AnnualReview
from prevention.views import EDIT, READ, SIGN, bp, today
from trygg import access
from trygg.extensions import db

Page = str | Response | tuple[str, int]

CHECKLIST = ("remapped", "rules_reviewed", "routines_reviewed", "consequences_reviewed",
             "signals_compared", "measures_evaluated", "standpoint_signed", "made_known")


def _year(year: int) -> int:
    if not 2000 <= year <= today().year + 1:
        abort(404)
    return year


def _review(year: int, create: bool = False) -> AnnualReview | None:
    session = db.session()
    found = session.scalar(select(AnnualReview).where(
        AnnualReview.organisation_id == g.org.id, AnnualReview.year == year))
    if found is None and create:
        found = AnnualReview(organisation_id=g.org.id, year=year, checked=[], evaluation="")
        session.add(found)
        session.flush()
    return found


def _signals_view() -> signals.View:
    from insights.releases import members_of

    session = db.session()
    return signals.build(session, g.org, productions.latest_agreed(session, g.org), today(),
                         members_of=members_of)


@bp.route("/orgs/<org_slug>/prevention/review/<int:year>", methods=["GET", "POST"])
@access.org(*EDIT)
def review(org_slug: str, year: int) -> Page:
    year = _year(year)
    found = _review(year)
    form = ReviewForm(obj=found) if request.method == "POST" else ReviewForm(
        formdata=None, obj=found)
    if request.method == "POST" and form.validate_on_submit():
        found = _review(year, create=True) or abort(404)
        found.checked = [c for c in CHECKLIST if request.form.get(f"check-{c}")]
        found.evaluation = (form.evaluation.data or "").strip()
        found.done_on = today() if len(found.checked) == len(CHECKLIST) else None
        db.session.commit()
        flash(_("The annual review is saved."), "success")
        return redirect(url_for("prevention.review", org_slug=g.org.slug, year=year))
    return render_template("prevention/review.html", org=g.org, year=year, review=found,
                           form=form, checklist=CHECKLIST), 400 if form.errors else 200


@bp.get("/orgs/<org_slug>/prevention/review/<int:year>/report")
@access.org(*READ)
def review_report(org_slug: str, year: int) -> str:
    year = _year(year)
    session, org = db.session(), g.org
    in_year = [t for t in productions.talks(session, org) if t.on_date.year == year]
    known = [m for m in productions.made_known(session, org) if m.on_date.year == year]
    return render_template(
        "prevention/review_report.html", org=org, year=year, review=_review(year),
        checklist=CHECKLIST, status=progress.scope_status(session, org, None, today()),
        steps=progress.balansemerket(session, org, today()), talks=in_year, made_known=known,
        productions=[p for p in productions.productions(session, org)
                     if p.starts_on.year <= year <= p.ends_on.year],
        signals=_signals_view() if g.membership.role in SIGN else None, today=today())


@bp.route("/orgs/<org_slug>/prevention/balansemerket", methods=["GET", "POST"])
@access.org(*EDIT)
def balansemerket(org_slug: str) -> Page:
    form = StepForm() if request.method == "POST" else StepForm(
        formdata=None, data={"done_on": today()})
    if request.method == "POST" and form.validate_on_submit():
        try:
            if form.done_on.data and form.done_on.data > today():
                raise Invalid("done_on", "future")
            progress.record_step(db.session(), g.org, form.step.data or "",
                                 form.done_on.data)
        except Invalid as exc:
            db.session.rollback()
            messages.attach(form, exc)
        else:
            db.session.commit()
            flash(_("The step is recorded."), "success")
            return redirect(url_for("prevention.balansemerket", org_slug=g.org.slug))
    steps = progress.balansemerket(db.session(), g.org, today())
    return render_template("prevention/balansemerket.html", org=g.org, steps=steps, form=form,
                           follow_up=progress.next_follow_up(steps)), (
        400 if form.errors else 200)


@bp.get("/orgs/<org_slug>/prevention/signals")
@access.org(*SIGN)
def signals_page(org_slug: str) -> str:
    return render_template("prevention/signals.html", org=g.org, view=_signals_view())


__all__ = ["documents"]
