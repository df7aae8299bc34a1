"""Casework at scale: prints figures, asserts nothing (docs/performance.md records them).

    .venv/bin/python bench/casework.py            # 10 000 cases for one handler, purge 100 000
    .venv/bin/python bench/casework.py --quick    # 2 000 and 5 000
    .venv/bin/python bench/casework.py --keep     # leave the database for EXPLAIN

Needs PostgreSQL at postgresql://postgres@127.0.0.1:5432 (BENCH_DATABASE_URL to change it);
creates its own database and drops it afterwards.

1. Server time of the handler's pages for a handler with N cases (another handler in the
   same organisation has as many again, and the cases to purge): the inbox (default: open
   cases by next deadline; a deep page sorted by date; one state), the case page (20
   messages, a few dozen audit entries) and its sealed-items JSON. Measured through the
   Flask test client with the handler signed in (password and TOTP), so a figure is the
   whole request: routing, the access check, the queries, rendering. Target: median under
   50 ms.
2. `retention.purge` of M closed cases past retention (each with a sealed report, two
   messages and a one-chunk attachment): wall time, and the peak growth of the process's
   resident memory while it runs (sampled every 5 ms) — the purge works in batches, so this
   should not grow with M.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This file is called casework.py: make `import casework` find the package, not this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402 - after sys.path
import pyotp  # noqa: E402 - after sys.path

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench handler password"  # noqa: S105 - a throwaway benchmark database
TODAY = date.today()


def log(message: str) -> None:
    print(message, flush=True)


def create_database() -> tuple[str, str]:
    name = f"trygg_bench_casework_{os.getpid()}_{secrets.token_hex(2)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(url: str) -> Any:
    from trygg import create_app
    from trygg.config import Config

    app = create_app(Config(
        env="testing", secret_key="bench-secret-" + "x" * 40,
        database_url=url.replace("postgresql://", "postgresql+psycopg://"),
        base_url="http://localhost", argon2_time_cost=1, argon2_memory_cost=8,
        csrf_enabled=False, mail_outbox="/tmp/trygg-bench-outbox",  # noqa: S108
        extra={"kdf_iterations": 1000},
    ))
    from trygg.extensions import limiter

    limiter.enabled = False
    return app


def people(app: Any) -> dict[str, Any]:
    """The organisation, two handlers with TOTP and keys; returns ids and the TOTP secret."""
    from accounts import services, totp
    from accounts.keys import enrol_demo_keys
    from trygg.extensions import db

    with app.app_context():
        org = services.create_organisation(db.session(), slug="bench", name="Benchteateret")
        out: dict[str, Any] = {"org": None, "memberships": [], "secret": pyotp.random_base32()}
        for i in range(2):
            person = services.create_person(db.session(), f"handler{i}@bench.test",
                                            f"Handler {i}", PASSWORD)
            db.session.flush()
            services.appoint(db.session(), org, person, "handler", title=f"Verneombud {i}")
            person.totp_secret = totp.seal_secret(out["secret"])
            enrol_demo_keys(person, "bench key passphrase", kdf_iterations=1000)
        db.session.commit()
        out["org"] = (org.id, str(org.public_id))
        out["memberships"] = [m.id for m in org.memberships if m.role == "handler"]
        out["keys"] = [m.person.public_key for m in org.memberships if m.role == "handler"]
    return out


def sealed_report(keys: list[bytes], context: str) -> str:
    from crypto import envelope

    doc = {"type": "trygg/report", "v": 1, "lang": "nb", "what": "x" * 1500}
    return json.dumps(envelope.seal(json.dumps(doc).encode(), keys, context),
                      separators=(",", ":"))


def load_cases(url: str, org: tuple[int, str], memberships: list[int], keys: list[bytes],
               per_handler: int, closed_old: int) -> int:
    """Cases by COPY. Each handler gets `per_handler` cases spread over two years in every
    state; then `closed_old` closed cases past retention, warned long ago, each with two
    messages and an attachment, handled by the last handler (so the measured handler has
    exactly `per_handler`). Returns the id of a case to open."""
    from crypto import envelope

    org_id, org_public = org
    body = sealed_report(keys, f"org:{org_public}/case:x/report")  # one shape for all
    message = json.dumps(envelope.seal(b'{"text":"' + b"y" * 400 + b'"}', keys, "m"),
                         separators=(",", ":"))
    states = ("received", "acknowledged", "assessing", "measures", "closed")
    next_id = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(
            'COPY "case" (id, public_id, organisation_id, state, received_on, acknowledge_by, '
            "feedback_by, acknowledged_on, closed_on, purge_warned_on, reporter_lookup, "
            "reporter_public_key, report) FROM STDIN"
        ) as copy:
            for handler_index in range(len(memberships)):
                for i in range(per_handler):
                    next_id += 1
                    received = TODAY - timedelta(days=i % 730)
                    state = states[i % 5]
                    copy.write_row((
                        next_id, uuid.uuid4(), org_id, state, received,
                        received + timedelta(days=7), received + timedelta(days=90),
                        received + timedelta(days=2) if state != "received" else None,
                        received + timedelta(days=60) if state == "closed" else None, None,
                        next_id.to_bytes(32, "big"), keys[handler_index], body,
                    ))
            first_old = next_id + 1
            for _ in range(closed_old):
                next_id += 1
                received = TODAY - timedelta(days=1500)
                copy.write_row((
                    next_id, uuid.uuid4(), org_id, "closed", received,
                    received + timedelta(days=7), received + timedelta(days=90),
                    received + timedelta(days=1), received + timedelta(days=30),
                    TODAY - timedelta(days=60), next_id.to_bytes(32, "big"), keys[-1], body,
                ))
        with cur.copy("COPY case_handler (case_id, membership_id, added_on) FROM STDIN") as copy:
            for handler_index, membership in enumerate(memberships):
                for i in range(per_handler):
                    copy.write_row((handler_index * per_handler + i + 1, membership, TODAY))
            for case_id in range(first_old, next_id + 1):  # the other handler's
                copy.write_row((case_id, memberships[-1], TODAY))
        with cur.copy("COPY message (public_id, case_id, seq, sender, kind, body, created_on, "
                      "read_by_reporter) FROM STDIN") as copy:
            for seq in range(1, 21):  # the case the benchmark opens
                copy.write_row((uuid.uuid4(), 1, seq, "reporter" if seq % 2 else "handler",
                                "message", message, TODAY, True))
            for case_id in range(first_old, next_id + 1):
                for seq in (1, 2):
                    copy.write_row((uuid.uuid4(), case_id, seq, "reporter", "message",
                                    message, TODAY - timedelta(days=1400), True))
        with cur.copy("COPY attachment (id, public_id, case_id, sender, key, meta, header, "
                      "size, chunk_count, complete, created_on) FROM STDIN") as copy:
            for n, case_id in enumerate(range(first_old, next_id + 1), 1):
                copy.write_row((n, uuid.uuid4(), case_id, "reporter", message, message,
                                b"TRYS" + bytes(9), 2064, 1, True, TODAY))
        with cur.copy("COPY attachment_chunk (attachment_id, seq, data) FROM STDIN") as copy:
            chunk = os.urandom(2064)
            for n in range(1, closed_old + 1):
                copy.write_row((n, 0, chunk))
        for table in ("case", "attachment"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT coalesce(max(id), 1) FROM "{table}"))')
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return 1


def sign_in(app: Any, email: str, secret: str) -> Any:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    code = pyotp.TOTP(secret).now()
    response = client.post("/login/code", data={"code": code})
    assert response.status_code == 302, response.status_code
    return client


def timed(client: Any, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def describe(label: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    return (f"  {label:<40} n={len(ms):>3}  median {statistics.median(ms):6.1f} ms  "
            f"p90 {p90:6.1f} ms  max {ms[-1]:6.1f} ms")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """Samples the resident set size in a thread; `growth` is the peak above the start."""

    def __enter__(self) -> PeakRss:
        self.start = self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def run(args: argparse.Namespace) -> None:
    name, url = create_database()
    log(f"Database {name}: {args.cases:,} cases per handler (2 handlers), "
        f"{args.purge:,} closed cases to purge")
    try:
        app = make_app(url)
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
        who = people(app)
        start = time.perf_counter()
        load_cases(url, who["org"], who["memberships"], who["keys"], args.cases, args.purge)
        log(f"  loaded in {time.perf_counter() - start:.0f} s")

        from casework.models import Case
        from trygg.extensions import db

        with app.app_context():
            case = db.session.get(Case, 1)
            assert case is not None
            case_path = f"/orgs/bench/cases/{case.public_id}"
        client = sign_in(app, "handler0@bench.test", who["secret"])
        timed(client, "/orgs/bench/cases")  # warm up templates and the pool
        timed(client, case_path)
        pages = max(1, int(args.cases * 0.8) // 25)
        log(f"\nHandler pages ({args.cases:,} cases, {int(args.cases * 0.8):,} open):")
        for label, path in (
            ("inbox: open, by next deadline", "/orgs/bench/cases"),
            (f"inbox: all, newest, page {pages // 2}",
             f"/orgs/bench/cases?state=all&sort=newest&page={pages // 2}"),
            ("inbox: one state (assessing)", "/orgs/bench/cases?state=assessing"),
            ("case page (20 messages)", case_path),
            ("case sealed-items JSON", case_path + "/sealed"),
        ):
            log(describe(label, [timed(client, path) for _ in range(args.repeat)]))

        from casework import retention

        with app.app_context():
            log(f"\nPurge of {args.purge:,} closed cases past retention "
                f"({args.purge * 2:,} messages, {args.purge:,} attachments):")
            with PeakRss() as memory:
                start = time.perf_counter()
                result = retention.purge(db.session(), on=TODAY, commit_each_batch=True)
                db.session.commit()
                elapsed = time.perf_counter() - start
            assert result.cases == args.purge, result
            rate = args.purge / max(elapsed, 1e-9)
            log(f"  {elapsed:.1f} s ({rate:,.0f} cases/s), peak resident "
                f"memory growth {memory.growth / 1e6:.1f} MB")
            left = db.session.execute(db.text(
                "SELECT count(*) FROM message m JOIN \"case\" c ON c.id = m.case_id "
                "WHERE c.purged_on IS NOT NULL")).scalar()
            log(f"  messages left in purged cases: {left}")
            from casework import audit

            start = time.perf_counter()
            verified = audit.verify(db.session())
            log(f"  audit verify after the purge: {verified.entries:,} entries, "
                f"{'intact' if verified.ok else 'BROKEN'}, {time.perf_counter() - start:.1f} s")
        with app.app_context():
            db.engine.dispose()
    finally:
        if args.keep:
            log(f"Kept database {name}")
        else:
            drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller numbers")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--cases", type=int, default=None, help="cases per handler")
    parser.add_argument("--purge", type=int, default=None, help="closed cases to purge")
    args = parser.parse_args()
    cases, purge, args.repeat = (2000, 5000, 20) if args.quick else (10000, 100000, 50)
    args.cases = args.cases or cases
    args.purge = purge if args.purge is None else args.purge
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            pass
    except psycopg.Error as exc:
        log(f"PostgreSQL not reachable at {ADMIN_URL} ({exc.__class__.__name__}): skipped.")
        return
    log(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs")
    run(args)


if __name__ == "__main__":
    main()
