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
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# bench/crypto.py would shadow the crypto package: keep this folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-intake-secret-" + "x" * 40
CLIENTS = 20
WORKERS = 2


def log(message: str) -> None:
    print(message, flush=True)


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


def create_database() -> tuple[str, str]:
    import psycopg

    name = f"trygg_bench_intake_{os.getpid()}_{secrets.token_hex(2)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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


# -- running a server and the load ------------------------------------------------------------


class Server:
    def __init__(self, factory: str, url: str, outbox: str) -> None:
        self.port = _free_port()
        env = {**os.environ, "BENCH_APP_DATABASE_URL": url, "BENCH_OUTBOX": outbox,
               "PYTHONPATH": str(ROOT), "TRYGG_ENV": "development"}
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
             "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}",
             "--max-requests", "0", f"bench.intake:{factory}()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited; run it by hand to see why")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/r/up")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)  # polling a port that is not open yet: nothing to wait on
        raise RuntimeError("gunicorn did not start within a minute")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def form_token(port: int) -> str:
    """The intake form's token, as the browser takes it from the form page."""
    import re

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/r/demo/report")
    page = conn.getresponse().read().decode()
    conn.close()
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    return found.group(1) if found else ""


def load(port: int, path: str, bodies: list[bytes], warmup: int, token: str) -> dict[str, float]:
    """Send every body once from CLIENTS threads; figures for all but the first `warmup`."""
    lock = threading.Lock()
    queue = iter(enumerate(bodies))
    latencies: list[tuple[float, float, float]] = []  # (start, end, seconds) after warm-up
    failures: list[int] = []
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "X-Trygg-Token": token, "Sec-Fetch-Site": "same-origin"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            index, body = item
            started = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            ended = time.perf_counter()
            if response.status != 201:
                failures.append(response.status)
            if index >= warmup:
                with lock:
                    latencies.append((started, ended, ended - started))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    start = min(s for s, _, _ in latencies)
    end = max(e for _, e, _ in latencies)
    seconds = sorted(d for _, _, d in latencies)
    return {
        "n": len(seconds),
        "rate": len(seconds) / (end - start),
        "p50": statistics.median(seconds) * 1000,
        "p99": seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))] * 1000,
        "failures": len(failures),
        "statuses": sorted(set(failures)),  # type: ignore[dict-item]
    }


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="800 submissions, one round")
    args = parser.parse_args()
    count, rounds = (800, 1) if args.quick else (4000, 3)
    warmup = count // 10
    name, url = create_database()
    outbox = tempfile.mkdtemp(prefix="trygg-bench-outbox-")
    try:
        log(f"database {name}; sealing {count * rounds} reports in advance …")
        bodies = prepare(url, outbox, count * rounds)
        log(f"body size: {statistics.median(len(b) for b in bodies):.0f} bytes "
            f"(JSON with the sealed report)")
        runs: dict[str, list[dict[str, float]]] = {"baseline": [], "trygg": []}
        # Alternate the two, so that a noisy neighbour on this shared machine hits both.
        for r in range(rounds):
            batch = bodies[r * count:(r + 1) * count]
            for label, factory, path in (("baseline", "baseline_app", "/r/baseline"),
                                         ("trygg", "trygg_app", "/r/demo/api/reports")):
                server = Server(factory, url, outbox)
                try:
                    token = form_token(server.port) if label == "trygg" else ""
                    runs[label].append(load(server.port, path, batch, warmup, token))
                finally:
                    server.stop()
        log(f"\ngunicorn gthread, {WORKERS} workers; {CLIENTS} concurrent clients; PostgreSQL; "
            f"{count - warmup} measured requests per run (after {warmup} warm-up); "
            f"{rounds} round(s), baseline and trygg alternating")
        header = ("endpoint", "round", "req/s", "p50 ms", "p99 ms", "non-201")
        log(f"{header[0]:<10} {header[1]:>5} " + " ".join(f"{h:>8}" for h in header[2:]))
        for label, results in runs.items():
            for i, r in enumerate(results, 1):
                extra = f"  statuses {r['statuses']}" if r["failures"] else ""
                log(f"{label:<10} {i:>5} {r['rate']:>8.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} "
                    f"{r['failures']:>8.0f}{extra}")
        med = {label: {k: statistics.median(r[k] for r in results) for k in ("rate", "p50", "p99")}
               for label, results in runs.items()}
        ratio = med["trygg"]["rate"] / med["baseline"]["rate"]
        t = med["trygg"]
        log("\nmedians over the rounds:")
        log(f"trygg / baseline: {ratio:.2f}×   (target ≥ 0.70: {_verdict(ratio >= 0.7)})")
        log(f"trygg throughput: {t['rate']:.0f}/s (target ≥ 300: {_verdict(t['rate'] >= 300)})")
        log(f"trygg p50 {t['p50']:.1f} ms, p99 {t['p99']:.1f} ms "
            f"(target p99 < 100: {_verdict(t['p99'] < 100)})")
        mails = len(list(Path(outbox).glob("*.eml")))
        log(f"handler notifications written: {mails} (coalesced per handler, see the docs)")
    finally:
        shutil.rmtree(outbox, ignore_errors=True)
        drop_database(name)


if __name__ == "__main__":
    main()
