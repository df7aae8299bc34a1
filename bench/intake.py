"""The encrypted-submission endpoint under load: prints figures, asserts nothing.

    .venv/bin/python bench/intake.py            # 4 000 submissions per server
    .venv/bin/python bench/intake.py --quick    # 800

Needs PostgreSQL at postgresql://postgres@127.0.0.1:5432 (BENCH_DATABASE_URL to change it);
creates its own database and drops it afterwards. docs/performance.md records the figures.

Both servers run the same way, one after the other in the same run: gunicorn with the
production settings of gunicorn.conf.py (gthread) and 2 workers, on the same database, hit by
20 concurrent clients (threads with keep-alive connections) sending pre-made bodies:

- trygg: POST /r/demo/api/reports with reports sealed beforehand exactly as the browser
  seals them (a fresh receipt, case id and idempotency key each), so the figure is the
  server's share: JSON and schema checks, the strict envelope parse, routing, keyed hashes,
  inserting the case, its handler rows and committing, and the handler's notification
  (written to an outbox folder here; SMTP in production);
- baseline: a minimal Flask + Flask-SQLAlchemy endpoint that parses the same JSON bodies and
  inserts each as one row, then commits. Its route is under /r/ too, so the access logger
  treats both alike.

Rate limits are switched off in the measured app (20 clients share one address here); the
first requests of each run warm the connection pools and are not counted.

The headline, `trygg / baseline: X×`, is the baseline's CPU time per request divided by
Trygg's (gunicorn processes plus the PostgreSQL backends, from /proc: bench/_server.py), not
the throughput ratio: the client threads share the two cores with the servers and cap both
near the same rate, while the CPU per request moves little when the machine is busy.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# bench/crypto.py would shadow the crypto package: keep this folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

from bench._server import (  # noqa: E402 - after the path fix above
    CLIENTS,
    WORKERS,
    Perform,
    Server,
    create_database,
    drop_database,
    load_average,
    log,
    run,
    verdict,
)

SECRET = "bench-intake-secret-" + "x" * 40


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://")


# -- the two apps, built inside the gunicorn workers ---------------------------------------


def trygg_app() -> Any:
    """gunicorn "bench.intake:trygg_app()": the real app, rate limits off."""
    from trygg import create_app
    from trygg.config import Config
    from trygg.extensions import limiter

    app = create_app(Config(
        env="development", secret_key=SECRET,
        database_url=_sqlalchemy_url(os.environ["BENCH_APP_DATABASE_URL"]),
        base_url="http://localhost", mail_outbox=os.environ["BENCH_OUTBOX"],
    ))
    limiter.enabled = False
    return app


def baseline_app(url: str | None = None) -> Any:
    """gunicorn "bench.intake:baseline_app()": parse the JSON, insert one row, commit."""
    from flask import Flask, jsonify, request
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import Integer, Text, Uuid
    from sqlalchemy.orm import DeclarativeBase, mapped_column

    class Base(DeclarativeBase):
        pass

    db = SQLAlchemy(model_class=Base)

    class Row(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "bench_baseline"
        # Untyped columns: the class is local, where string annotations cannot be resolved.
        id = mapped_column(Integer, primary_key=True)
        public_id = mapped_column(Uuid(), unique=True)
        body = mapped_column(Text)

    app = Flask("baseline")
    url = url or os.environ["BENCH_APP_DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = _sqlalchemy_url(url)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    db.init_app(app)

    @app.post("/r/baseline")
    def insert() -> Any:
        data = request.get_json()
        db.session.add(Row(public_id=uuid.uuid4(), body=json.dumps(data)))
        db.session.commit()
        return jsonify(status="received"), 201

    app.extensions["bench_db"] = db
    return app


# -- setting up -----------------------------------------------------------------------------


def prepare(url: str, outbox: str, count: int) -> list[bytes]:
    """Migrate, seed the demo, create the baseline table; seal `count` reports."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from accounts.models import Organisation
    from casework import intake
    from crypto import envelope, receipt
    from trygg import create_app
    from trygg.config import Config
    from trygg.extensions import db
    from trygg.seed import seed

    app = create_app(Config(env="development", secret_key=SECRET, database_url=_sqlalchemy_url(url),
                            base_url="http://localhost", mail_outbox=outbox))
    with app.app_context():
        upgrade()
        seed(db.session, app.config["TRYGG"], kdf_iterations=1000)
        db.session.commit()
        org = db.session.scalar(select(Organisation).where(Organisation.slug == "demo"))
        assert org is not None
        handlers = [h.public_key for h in intake.route(intake.handlers(db.session, org), ())]
        org_id = org.public_id
        db.session.remove()
        db.engine.dispose()
    base = baseline_app(url)
    with base.app_context():
        base.extensions["bench_db"].create_all()
        base.extensions["bench_db"].engine.dispose()

    def b64(data: bytes) -> str:
        import base64

        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    # A report of realistic size: a few paragraphs and the form's choices (about 2 KB).
    document = {
        "type": "trygg/report", "v": 1, "lang": "nb", "what": "Det skjedde etter prøven. " * 60,
        "when": {"period": "last_month", "text": "mars"},
        "where": {"settings": ["rehearsal", "party"], "text": ""},
        "concerns": {"role": "leader", "text": ""}, "before": "yes_others", "witnesses": "",
        "consequences": "Jeg gruer meg til å gå på jobb.", "wants": ["conversation"],
        "contact": {"name": "", "reach": "", "when": ""},
    }
    plaintext = json.dumps(document, ensure_ascii=False).encode()
    bodies = []
    for _ in range(count):
        keys = receipt.derive(receipt.generate())
        case_id = uuid.uuid4()
        report = envelope.seal(plaintext, [*handlers, keys.public_key],
                               f"org:{org_id}/case:{case_id}/report")
        bodies.append(json.dumps({
            "case": str(case_id), "idempotency_key": b64(os.urandom(32)),
            "lookup_token": b64(keys.lookup_token), "reporter_public_key": b64(keys.public_key),
            "excluded": [], "report": report,
        }).encode())
    return bodies


# -- running the servers ---------------------------------------------------------------------


def form_token(port: int) -> str:
    """The intake form's token, as the browser takes it from the form page."""
    import re

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/r/demo/report")
    page = conn.getresponse().read().decode()
    conn.close()
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    return found.group(1) if found else ""


def poster(path: str, token: str) -> Perform:
    """POST each body to `path` as the browser's script does."""
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "X-Trygg-Token": token, "Sec-Fetch-Site": "same-origin"}

    def perform(conn: http.client.HTTPConnection, body: bytes) -> list[tuple[int, float]]:
        started = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return [(response.status, time.perf_counter() - started)]

    return perform


def server(label: str, url: str, outbox: str) -> Server:
    factory = "trygg_app" if label == "trygg" else "baseline_app"
    return Server(f"bench.intake:{factory}()",
                  {"BENCH_APP_DATABASE_URL": url, "BENCH_OUTBOX": outbox})


def measure_baseline(name: str, url: str, outbox: str, batch: list[bytes],
                     warmup: int) -> dict[str, Any]:
    """One run of the bare insert (bench/journey.py measures it the same way)."""
    s = server("baseline", url, outbox)
    try:
        return run(s, name, batch, warmup, poster("/r/baseline", ""))
    finally:
        s.stop()


def table(runs: dict[str, list[dict[str, Any]]], unit: str = "req") -> None:
    header = ("endpoint", "round", f"{unit}/s", f"CPU ms/{unit}", "p50 ms", "p99 ms", "failed")
    log(f"{header[0]:<10} {header[1]:>5} " + " ".join(f"{h:>11}" for h in header[2:]))
    for label, results in runs.items():
        for i, r in enumerate(results, 1):
            extra = f"  statuses {r['statuses']}" if r["failures"] else ""
            log(f"{label:<10} {i:>5} {r['rate']:>11.0f} {r['cpu_ms']:>11.2f} {r['p50']:>11.1f} "
                f"{r['p99']:>11.1f} {r['failures']:>11.0f}{extra}")


def medians(runs: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, float]]:
    return {label: {k: statistics.median(r[k] for r in results)
                    for k in ("rate", "cpu_ms", "p50", "p99")}
            for label, results in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="800 submissions, one round")
    args = parser.parse_args()
    count, rounds = (800, 1) if args.quick else (4000, 3)
    warmup = count // 10
    name, url = create_database("intake")
    outbox = tempfile.mkdtemp(prefix="trygg-bench-outbox-")
    try:
        log(f"database {name}; sealing {count * rounds} reports in advance …")
        bodies = prepare(url, outbox, count * rounds)
        log(f"body size: {statistics.median(len(b) for b in bodies):.0f} bytes "
            f"(JSON with the sealed report)")
        runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "trygg": []}
        load = [load_average()]
        # Alternate the two, so that a noisy neighbour on this shared machine hits both.
        for r in range(rounds):
            batch = bodies[r * count:(r + 1) * count]
            runs["baseline"].append(measure_baseline(name, url, outbox, batch, warmup))
            s = server("trygg", url, outbox)
            try:
                runs["trygg"].append(run(s, name, batch, warmup,
                                         poster("/r/demo/api/reports", form_token(s.port))))
            finally:
                s.stop()
        load.append(load_average())
        log(f"\ngunicorn gthread, {WORKERS} workers; {CLIENTS} concurrent clients; PostgreSQL; "
            f"{count - warmup} measured requests per run (after {warmup} warm-up); "
            f"{rounds} round(s), baseline and trygg alternating; load average "
            f"{load[0]} before, {load[1]} after")
        log("CPU ms/req: gunicorn master + workers and the database's PostgreSQL backends, "
            "from /proc, per measured request")
        table(runs)
        med = medians(runs)
        t, b = med["trygg"], med["baseline"]
        mails = len(list(Path(outbox).glob("*.eml")))
        log(f"handler notifications written: {mails} (coalesced per handler, see the docs)")
        log("\nmedians over the rounds:")
        log(f"throughput: trygg {t['rate']:.0f}/s, baseline {b['rate']:.0f}/s "
            f"(ratio {t['rate'] / b['rate']:.2f}, capped by the client on the same cores)")
        log(f"trygg p50 {t['p50']:.1f} ms, p99 {t['p99']:.1f} ms "
            f"(target p99 < 100: {verdict(t['p99'] < 100)})")
        log(f"CPU per request: trygg {t['cpu_ms']:.2f} ms, baseline {b['cpu_ms']:.2f} ms")
        ratio = b["cpu_ms"] / t["cpu_ms"]
        log(f"trygg / baseline: {ratio:.2f}×   (CPU per request; target ≥ 0.80: "
            f"{verdict(ratio >= 0.8)})")
    finally:
        shutil.rmtree(outbox, ignore_errors=True)
        drop_database(name)


if __name__ == "__main__":
    main()
