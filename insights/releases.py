"""Freezing releases: plan what is due, count it, suppress it, store it once.

`release_due()` is called before a leader's view is built (and by `flask trygg
release-statistics`, for a cron job). It never changes a release that exists: it only
adds periods that have become due, and a year's totals once the year is complete.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import Membership, Organisation
from insights import noise, publish
from insights.models import StatsRelease
from insights.periods import Unit, plan, year_complete, year_unit
from insights.queries import combine, quarter_counts, raw_counts

SCOPES = ("org", "members")


def members_of(session: Session, umbrella: Organisation) -> list[Organisation]:
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.umbrella_id == umbrella.id)
            .order_by(Organisation.id)
        )
    )


def seen_members(
    session: Session, member_ids: list[int], person_id: int | None = None
) -> int:
    """The most member organisations one person holds a role in (of `person_id` only,
    when given); at least 1.

    That person knows (or can learn) those members' own cases, and could subtract them
    all from the umbrella's figures: the umbrella's dominance rule protects against the
    sum of this many largest members, the (n, k) rule.
    """
    if not member_ids:
        return 1
    stmt = (
        select(func.count(func.distinct(Membership.organisation_id)))
        .where(Membership.organisation_id.in_(member_ids))
        .group_by(Membership.person_id)
    )
    if person_id is not None:
        stmt = stmt.where(Membership.person_id == person_id)
    return max([1, *(int(n) for n in session.scalars(stmt))])


def scope_orgs(session: Session, org: Organisation, scope: str) -> list[Organisation]:
    if scope == "org":
        return [org]
    if scope == "members":
        return members_of(session, org)
    raise ValueError(f"unknown scope {scope!r}")


def releases(session: Session, org: Organisation, scope: str) -> list[StatsRelease]:
    return list(
        session.scalars(
            select(StatsRelease)
            .where(StatsRelease.organisation_id == org.id, StatsRelease.scope == scope)
            .order_by(StatsRelease.starts_on, StatsRelease.kind)
        )
    )


def _unit(release: StatsRelease) -> Unit:
    return Unit.from_dates(release.starts_on, release.grain)


def release_due(session: Session, org: Organisation, scope: str, on: date) -> list[StatsRelease]:
    """Freeze every period (and year total) of `org`'s `scope` due on `on`; return the
    new releases. Safe to call concurrently: a duplicate loses on the unique key and the
    other request's release stands.

    With a privacy budget configured (TRYGG_STATS_EPSILON), a new period's counts are
    replaced by noisy ones (`insights.noise`) before anything is decided, and only those
    are stored: suppression, year totals and every view work on the noisy numbers."""
    epsilon: float | None = current_app.config["TRYGG"].stats_epsilon
    existing = releases(session, org, scope)
    periods = [r for r in existing if r.kind == "period"]
    done = [_unit(r) for r in periods]
    years_done = {r.starts_on.year for r in existing if r.kind == "year"}
    orgs = scope_orgs(session, org, scope)
    if not orgs:
        return []
    umbrella = scope == "members"
    largest = seen_members(session, [o.id for o in orgs]) if umbrella else 1
    k = org.stats_k
    counted: dict[int, dict[Unit, int]] | None = None
    if periods:
        # Fixed by the first release: a case dated before it must not make earlier
        # periods appear later (that would give the case away).
        first_year = min(r.starts_on.year for r in periods)
    else:
        # The creation year, never a case's: cases dated earlier are folded into it,
        # so that one of them adds no (withheld) year of its own.
        first_year = min(o.created_at.year for o in orgs)
    fold = first_year * 4

    def counts() -> dict[int, dict[Unit, int]]:
        # Only when the plan has a decision to make: a view with nothing due runs no
        # aggregate query at all.
        nonlocal counted
        if counted is None:
            counted = quarter_counts(session, [o.id for o in orgs], fold)
        return counted

    def effective(unit: Unit) -> int:
        per_org = [sum(c.get(q, 0) for q in unit.quarters()) for c in counts().values()]
        total = sum(per_org)
        return total - sum(sorted(per_org, reverse=True)[:largest]) if umbrella else total

    new_units = plan(first_year, lambda u: effective(u) >= k, on, done)
    all_units = done + new_units
    years = sorted({u.year for u in all_units})
    to_complete = [y for y in years if y not in years_done and year_complete(y, all_units, on)]
    if not new_units and not to_complete:
        return []

    # Counts for the new periods, and for the earlier periods of years that complete now
    # (their raw counts are read from the frozen releases, never recounted).
    per_org, histograms = raw_counts(session, [o.id for o in orgs], new_units, fold)
    fresh: dict[Unit, publish.Raw] = {}
    for unit in new_units:
        contributions = {o.id: per_org[o.id][unit] for o in orgs if unit in per_org.get(o.id, {})}
        fresh[unit] = combine(contributions, histograms[unit], with_top=umbrella,
                              largest=largest)
        if epsilon is not None:
            fresh[unit] = noise.perturb(fresh[unit], epsilon)

    by_year: dict[int, list[publish.Row]] = defaultdict(list)
    for release in periods:
        by_year[release.starts_on.year].append(
            publish.Row(_unit(release), release.raw, release.shown["hidden"])
        )
    for unit in new_units:
        by_year[unit.year].append(publish.Row(unit, fresh[unit]))

    created: list[StatsRelease] = []
    for year in sorted({u.year for u in new_units} | set(to_complete)):
        rows = sorted(by_year[year], key=lambda r: r.unit.start)
        complete = year in to_complete
        hidden_rows, hidden_year = publish.publish_year(
            rows, k, complete=complete, umbrella=umbrella, noisy=epsilon is not None,
        )
        for row, hidden in zip(rows, hidden_rows, strict=True):
            if row.fixed:
                continue
            durations = hidden.pop("durations")
            deadlines = hidden.pop("deadlines")
            created.append(StatsRelease(
                organisation_id=org.id, scope=scope, kind="period", grain=row.unit.grain,
                starts_on=row.unit.start, ends_on=row.unit.end, k=k, raw=_kept(row.raw),
                shown={"hidden": hidden, "durations": durations, "deadlines": deadlines,
                       **({"largest": largest} if umbrella else {}),
                       **({"epsilon": epsilon} if epsilon is not None else {})},
                released_on=on,
            ))
        if complete and hidden_year is not None:
            created.append(StatsRelease(
                organisation_id=org.id, scope=scope, kind="year", grain="year",
                starts_on=year_unit(year).start, ends_on=year_unit(year).end, k=k,
                raw=_year_raw(rows), released_on=on,
                shown={"hidden": hidden_year, **({"largest": largest} if umbrella else {})},
            ))
    return _store(session, created)


def _kept(raw: publish.Raw) -> publish.Raw:
    """What a period's release keeps of its raw counts: the case counts per category (the
    year totals need them), not the durations, which are published as computed."""
    kept = {"total": raw["total"], "tables": raw["tables"]}
    if "top" in raw:
        kept["top"] = {"total": raw["top"]["total"], "tables": raw["top"]["tables"]}
    return kept


def _year_raw(rows: Sequence[publish.Row]) -> publish.Raw:
    raw = publish.empty_raw()
    for row in rows:
        raw["total"] += row.raw["total"]
        for name, cats in row.raw["tables"].items():
            for cat, n in cats.items():
                raw["tables"][name][cat] = raw["tables"][name].get(cat, 0) + n
    del raw["durations"], raw["deadlines"]
    return raw


def _store(session: Session, created: list[StatsRelease]) -> list[StatsRelease]:
    try:
        with session.begin_nested():
            session.add_all(created)
    except IntegrityError:
        # Someone froze the same periods a moment ago; theirs stand.
        return []
    return created
