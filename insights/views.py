"""Leaders' statistics: the dashboard, the umbrella view, CSV and JSON.

Every endpoint is for the organisation's leaders only (`access.org("leader")`); anyone
else, including the organisation's handlers and admins, gets 404. Nothing here lists,
links to or counts a single case: the figures come from frozen releases only.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from insights import export, page, periods, statistics
from insights.releases import members_of
from trygg import access
from trygg.extensions import db

bp = Blueprint("insights", __name__, template_folder="templates")


def _build(scope: str) -> statistics.Statistics:
    stats = statistics.build(db.session(), g.org, scope, periods.today(),
                             viewer=current_user.id)
    db.session.commit()  # releases that became due are frozen now, once
    return stats


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(scope: str) -> str:
    stats = _build(scope)
    has_members = scope == "org" and bool(members_of(db.session(), g.org))
    return render_template(
        "insights/dashboard.html",
        stats=stats,
        view=page.build(stats, request.args.get("year", type=int)),
        has_members=has_members,
    )


@bp.get("/orgs/<org_slug>/statistics")
@access.org("leader")
def dashboard(org_slug: str) -> str:
    return _page("org")


@bp.get("/orgs/<org_slug>/statistics/members")
@access.org("leader")
def members(org_slug: str) -> str:
    return _page("members")


def _csv(scope: str) -> Response:
    stats = _build(scope)
    suffix = "-medlemmer" if scope == "members" else ""
    filename = f"trygg-statistikk-{g.org.slug}{suffix}-{stats.on.isoformat()}.csv"
    response = Response(export.csv_text(stats), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@bp.get("/orgs/<org_slug>/statistics.csv")
@access.org("leader")
def export_csv(org_slug: str) -> Response:
    return _csv("org")


@bp.get("/orgs/<org_slug>/statistics/members.csv")
@access.org("leader")
def members_csv(org_slug: str) -> Response:
    return _csv("members")


@bp.get("/api/v1/orgs/<org_slug>/statistics")
@access.org("leader")
def api_statistics(org_slug: str) -> Response:
    return _private(jsonify(export.document(_build("org"))))


@bp.get("/api/v1/orgs/<org_slug>/statistics/members")
@access.org("leader")
def api_members(org_slug: str) -> Response:
    return _private(jsonify(export.document(_build("members"))))

