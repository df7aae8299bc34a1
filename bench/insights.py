"""Leaders' statistics at scale: prints figures, asserts nothing (docs/performance.md).

    .venv/bin/python bench/insights.py            # 1 000 organisations, 1 000 000 cases
    .venv/bin/python bench/insights.py --quick    # 60 organisations, 20 000 cases
    .venv/bin/python bench/insights.py --keep     # leave the database for EXPLAIN

Needs PostgreSQL at postgresql://postgres@127.0.0.1:5432 (BENCH_DATABASE_URL to change
it); creates its own database and drops it afterwards. Data: organisations whose sizes
follow a Zipf-like curve (a few large, most small); ten umbrellas, each with a tenth of
the other organisations as members; cases spread over five and a half years, 95 %
assessed, with aggravating circumstances and reactions. Bulk loading uses COPY.

Measured through the Flask test client with a signed-in leader, so a figure is the whole
server time of a request (routing, access check, freezing what is due, reading the
releases back, rendering):
- cold: the first view of an organisation, which freezes every period due (five
  years here) — a daily `flask trygg release-statistics` makes this rare;
- warm: later views, which read frozen releases only;
- the same for each umbrella's members view (about 100 000 cases each in the full run);
- with --release-all: freezing everything for every organisation (the daily job's first
  run), then the day the next year becomes due (the daily job's usual work).

Utility beside speed: on the demo history (SQLite, apart) and on every organisation of
the data set, the share of non-zero counts shown, and whether each complete year's case
total is shown where the year had at least k cases.
Peak memory: tracemalloc's peak for one request (Python allocations), and the process's
maximum resident set size at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import secrets
import statistics
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This file is called insights.py: make `import insights` find the package, not this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402 - after sys.path

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TODAY = date(2026, 7, 15)  # every year up to 2025 is due (a year ends + 90 days)
NEXT_YEAR_DUE = date(2027, 3, 31)  # 2026's release date
DEMO_DAY = date(2026, 11, 26)  # the day the demo history was attacked on (issue 18)
FIRST_DAY = date(2021, 1, 1)
LAST_DAY = date(2026, 6, 30)
PASSWORD = "bench leader password"  # noqa: S105 - a throwaway benchmark database
NATURE = ("verbal", "nonverbal", "digital", "physical", "sexual_assault")
NATURE_W = (40, 20, 20, 16, 4)
RELATION = ("peer", "subordinate", "external", "superior")
RELATION_W = (40, 10, 20, 30)
FREQUENCY = ("once", "repeated", "systematic")
POWER = ("none", "some", "strong")
CONSEQUENCES = ("none", "discomfort", "impaired_work", "health", "severe")


def log(message: str) -> None:
    print(message, flush=True)


def sizes(orgs: int, cases: int, exponent: float = 0.6) -> list[int]:
    """Cases per organisation, largest first, adding up to `cases`."""
    weights = [1 / (rank ** exponent) for rank in range(1, orgs + 1)]
    total = sum(weights)
    out = [int(cases * w / total) for w in weights]
    out[0] += cases - sum(out)
    return out


def create_database() -> tuple[str, str]:
    name = f"trygg_bench_insights_{os.getpid()}_{secrets.token_hex(2)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(url: str) -> Any:
    from trygg import create_app
    from trygg.config import Config

    config = Config(
        env="testing",
        secret_key="bench-secret-" + "x" * 40,
        database_url=url.replace("postgresql://", "postgresql+psycopg://"),
        base_url="http://localhost",
        argon2_time_cost=1,
        argon2_memory_cost=8,
        csrf_enabled=False,
        mail_outbox="/tmp/trygg-bench-outbox",  # noqa: S108 - nothing is mailed here
    )
    app = create_app(config)
    from trygg.extensions import limiter

    limiter.enabled = False  # one address signs in many leaders here
    return app


def _case_rows(
    counts: list[int], org_ids: list[int], rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    span = (LAST_DAY - FIRST_DAY).days
    case_id = 0
    for org_id, n in zip(org_ids, counts, strict=True):
        for _ in range(n):
            case_id += 1
            received = FIRST_DAY + timedelta(days=rng.randrange(span))
            ack = received + timedelta(days=min(int(rng.expovariate(0.35)), 40))
            feedback = received + timedelta(days=rng.randint(10, 120))
            closed = received + timedelta(days=rng.randint(20, 200))
            lookup = case_id.to_bytes(32, "big")
            yield (
                case_id, uuid.UUID(int=rng.getrandbits(128), version=4), org_id,
                "closed" if closed <= TODAY else "assessing",
                received, received + timedelta(days=7), received + timedelta(days=90),
                ack if ack <= TODAY else None,
                feedback if feedback <= TODAY else None,
                closed if closed <= TODAY else None,
                lookup, hashlib.sha256(lookup).digest(),
            )


def load(url: str, counts: list[int], umbrellas: int, seed: int = 1) -> dict[str, Any]:
    """Organisations, cases, assessments and codes by COPY; returns what the run needs."""
    rng = random.Random(seed)  # benchmark data, not secrets
    orgs = umbrellas + len(counts)
    created = datetime(2020, 6, 1, tzinfo=UTC)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY organisation (id, public_id, slug, name, standpoint, rules, routines, "
            "consequences, acknowledge_days, feedback_days, retention_days, stats_k, "
            "umbrella_id, created_at) FROM STDIN"
        ) as copy:
            for i in range(1, orgs + 1):
                umbrella = None if i <= umbrellas else (i % umbrellas) + 1 if umbrellas else None
                copy.write_row((i, uuid.uuid4(), f"bench-{i:05d}", f"Organisasjon {i}", "", "",
                                "", "", 7, 90, 1095, 5, umbrella, created))
        log(f"  organisations: {orgs} ({umbrellas} umbrellas)")
        member_ids = list(range(umbrellas + 1, orgs + 1))
        start = time.perf_counter()
        with cur.copy(
            'COPY "case" (id, public_id, organisation_id, state, received_on, acknowledge_by, '
            "feedback_by, acknowledged_on, feedback_on, closed_on, reporter_lookup, "
            "reporter_public_key) FROM STDIN"
        ) as copy:
            for row in _case_rows(counts, member_ids, rng):
                copy.write_row(row)
        log(f"  cases: {sum(counts):,} in {time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        cur.execute('SELECT id, received_on FROM "case" ORDER BY id')
        received = cur.fetchall()
        assessed_ids: list[int] = []
        with cur.copy(
            "COPY assessment (case_id, model_version, nature, frequency, relation, power, "
            "consequences, criminal, level, assessed_on, updated_at) FROM STDIN"
        ) as copy:
            for case_id, day in received:
                if rng.random() < 0.05:
                    continue
                assessed_ids.append(case_id)
                on = min(day + timedelta(days=rng.randint(1, 30)), TODAY)
                copy.write_row((
                    case_id, "1", rng.choices(NATURE, NATURE_W)[0], rng.choice(FREQUENCY),
                    rng.choices(RELATION, RELATION_W)[0], rng.choice(POWER),
                    rng.choice(CONSEQUENCES), rng.random() < 0.1, rng.randint(1, 5), on,
                    created,
                ))
        from casework.seriousness_v1 import AGGRAVATING
        from casework.vocabulary import EMPLOYER_ACTIONS

        links = 0
        with cur.copy("COPY assessment_aggravating (case_id, code) FROM STDIN") as copy:
            for case_id in assessed_ids:
                for code in AGGRAVATING:
                    if rng.random() < 0.12:
                        copy.write_row((case_id, code))
                        links += 1
        with cur.copy(
            "COPY employer_action (case_id, code, decided_on, source) FROM STDIN"
        ) as copy:
            for case_id in assessed_ids:
                for code in rng.sample(EMPLOYER_ACTIONS, rng.randint(0, 3)):
                    copy.write_row((case_id, code, TODAY, "written_answer"))
                    links += 1
        log(f"  assessments: {len(assessed_ids):,}, codes: {links:,} in "
            f"{time.perf_counter() - start:.0f} s")
        for table in ("organisation", "case"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT max(id) FROM "{table}"))')
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {"orgs": orgs, "umbrellas": umbrellas, "members": member_ids}


def leader_for(app: Any, org_id: int) -> str:
    from accounts import services
    from accounts.models import Organisation
    from trygg.extensions import db

    with app.app_context():
        org = db.session.get(Organisation, org_id)
        email = f"leader-{org_id}@bench.test"
        person = services.create_person(db.session(), email, "Leader", PASSWORD)
        db.session.flush()
        services.appoint(db.session(), org, person, "leader")
        db.session.commit()
        return str(org.slug)


def sign_in(app: Any, email: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def timed(client: Any, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def peak_memory(client: Any, path: str) -> int:
    tracemalloc.start()
    try:
        assert client.get(path).status_code == 200
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def describe(label: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    return (f"  {label:<34} n={len(ms):>3}  median {statistics.median(ms):7.1f} ms  "
            f"p90 {p90:7.1f} ms  max {ms[-1]:7.1f} ms")


def reachable() -> bool:
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error as exc:
        log(f"PostgreSQL not reachable at {ADMIN_URL} ({exc.__class__.__name__}): skipped. "
            "Set BENCH_DATABASE_URL to an admin connection.")
        return False


def demo_utility() -> None:
    """Utility on the demo history (`seed-demo-history`), viewed on DEMO_DAY: SQLite,
    apart from the benchmark's database."""
    import tempfile

    from sqlalchemy import select

    from accounts.models import Organisation
    from insights import demo, statistics, utility
    from trygg import create_app, seed
    from trygg.config import Config
    from trygg.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        config = Config(env="testing", secret_key="bench-secret-" + "x" * 40,
                        database_url=f"sqlite:///{tmp}/demo.db", base_url="http://localhost",
                        argon2_time_cost=1, argon2_memory_cost=8, csrf_enabled=False,
                        mail_outbox=f"{tmp}/outbox")
        app = create_app(config)
        with app.app_context(), app.test_request_context("/?lang=en"):
            from flask_migrate import upgrade

            upgrade()
            seed.seed(db.session(), config)
            demo.seed_history(db.session(), config, on=DEMO_DAY)
            org = db.session.scalar(select(Organisation).where(Organisation.slug == seed.SLUG))
            stats = statistics.build(db.session(), org, "org", DEMO_DAY)
            found = utility.measure(db.session(), org)
    years = ", ".join(f"{y}: {n} cases, total {'shown' if shown else 'hidden'}"
                      for y, (n, shown) in sorted(found.years.items()))
    log(f"\nUtility on the demo history (k = {stats.k}, viewed {DEMO_DAY}):")
    log(f"  non-zero counts shown: {found.shown} of {found.nonzero} ({found.share:.0%})")
    log(f"  released: {', '.join(p.unit.key for p in stats.periods)}")
    log(f"  complete years: {years or 'none'}")


def data_utility(app: Any, k: int = 5) -> None:
    """Utility on the benchmark's organisations: every organisation's releases due on
    TODAY (frozen now where a view has not done it), measured from the stored counts."""
    from accounts.models import Organisation
    from insights import releases, utility
    from trygg.extensions import db

    total = utility.Utility()
    years_with_k = missing = 0
    with app.app_context():
        for org in db.session.scalars(db.select(Organisation)).all():
            releases.release_due(db.session(), org, "org", TODAY)
            db.session.commit()
            found = utility.measure(db.session(), org)
            total.add(found)
            years_with_k += sum(1 for n, _s in found.years.values() if n >= k)
            missing += len(found.totals_missing(k))
    log(f"\nUtility on the {args_orgs(app)} organisations (complete years 2021–2025):")
    log(f"  non-zero counts shown: {total.shown:,} of {total.nonzero:,} ({total.share:.0%})")
    log(f"  year totals shown for {years_with_k - missing:,} of the {years_with_k:,} "
        f"organisation-years with at least {k} cases")


def args_orgs(app: Any) -> int:
    from accounts.models import Organisation
    from trygg.extensions import db

    with app.app_context():
        return int(db.session.scalar(db.select(db.func.count()).select_from(Organisation)))


def run(args: argparse.Namespace) -> None:
    from insights import periods

    periods.today = lambda: TODAY  # type: ignore[assignment] - the benchmark's fixed day
    counts = sizes(args.orgs - args.umbrellas, args.cases)
    name, url = create_database()
    log(f"Database {name}: {args.orgs} organisations, {args.cases:,} cases")
    try:
        app = make_app(url)
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
        start = time.perf_counter()
        data = load(url, counts, args.umbrellas)
        log(f"  loaded in {time.perf_counter() - start:.0f} s")

        members = data["members"]
        step = max(1, len(members) // args.sample)
        sample = members[::step][: args.sample]
        sizes_by_id = dict(zip(members, counts, strict=True))
        log(f"\nOrganisation dashboards ({len(sample)} organisations, from the largest, "
            f"{sizes_by_id[sample[0]]:,} cases, to {sizes_by_id[sample[-1]]:,}; "
            f"median {int(statistics.median(sizes_by_id[i] for i in sample)):,}):")
        cold, warm, api, csv_ = [], [], [], []
        clients = {}
        for org_id in sample:
            slug = leader_for(app, org_id)
            client = clients[org_id] = sign_in(app, f"leader-{org_id}@bench.test")
            cold.append(timed(client, f"/orgs/{slug}/statistics"))
            warm += [timed(client, f"/orgs/{slug}/statistics") for _ in range(args.repeat)]
            api.append(timed(client, f"/api/v1/orgs/{slug}/statistics"))
            csv_.append(timed(client, f"/orgs/{slug}/statistics.csv"))
        log(describe("dashboard, first view (freezes)", cold))
        log(describe("dashboard, later views", warm))
        log(describe("JSON, later views", api))
        log(describe("CSV, later views", csv_))
        largest = sample[0]
        peak = peak_memory(clients[largest], f"/orgs/bench-{largest:05d}/statistics")
        log(f"  peak Python memory, later view of the largest: {peak / 1e6:.1f} MB")

        log(f"\nUmbrella members views ({data['umbrellas']} umbrellas, about "
            f"{args.cases // max(1, data['umbrellas']):,} cases each):")
        u_cold, u_warm = [], []
        u_peak = 0
        for umbrella in range(1, data["umbrellas"] + 1):
            slug = leader_for(app, umbrella)
            client = sign_in(app, f"leader-{umbrella}@bench.test")
            path = f"/orgs/{slug}/statistics/members"
            if umbrella == 1:
                u_peak = peak_memory(client, path)
                u_cold.append(timed(client, f"/api/v1/orgs/{slug}/statistics/members"))
            else:
                u_cold.append(timed(client, path))
            u_warm += [timed(client, path) for _ in range(args.repeat)]
        log(describe("members view, first view (freezes)", u_cold[1:] or u_cold))
        log(describe("members view, later views", u_warm))
        log(f"  peak Python memory, first view of an umbrella: {u_peak / 1e6:.1f} MB")

        if args.release_all:
            from accounts.models import Organisation
            from insights import releases
            from trygg.extensions import db

            with app.app_context():
                start = time.perf_counter()
                n = 0
                for org in db.session.scalars(db.select(Organisation)).all():
                    for scope in releases.SCOPES:
                        n += len(releases.release_due(db.session(), org, scope, TODAY))
                    db.session.commit()
                log(f"\nrelease-statistics for every organisation: {n:,} releases in "
                    f"{time.perf_counter() - start:.1f} s")
                # The next year becomes due: what the daily job does that day.
                later = NEXT_YEAR_DUE
                steps: dict[str, list[float]] = {"org": [], "members": []}
                for org_id in [*sample, *range(1, data["umbrellas"] + 1)]:
                    org = db.session.get(Organisation, org_id)
                    scope = "org" if org_id in sample else "members"
                    start = time.perf_counter()
                    new = releases.release_due(db.session(), org, scope, later)
                    steps[scope].append(time.perf_counter() - start)
                    assert new, (org_id, scope)
                    db.session.rollback()
                log(describe("one new year, organisation", steps["org"]))
                log(describe("one new year, umbrella", steps["members"]))
        data_utility(app)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log(f"\nProcess maximum resident set size: {rss:.0f} MB")
    finally:
        if args.keep:
            log(f"Kept database {name}: {url}")
        else:
            drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers, for make bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--release-all", action="store_true",
                        help="also time freezing every organisation's releases")
    parser.add_argument("--orgs", type=int)
    parser.add_argument("--cases", type=int)
    args = parser.parse_args()
    args.orgs = args.orgs or (60 if args.quick else 1000)
    args.cases = args.cases or (20_000 if args.quick else 1_000_000)
    args.umbrellas = 2 if args.quick else 10
    args.sample = 10 if args.quick else 40
    args.repeat = 3 if args.quick else 5
    demo_utility()
    if reachable():
        run(args)


if __name__ == "__main__":
    main()
