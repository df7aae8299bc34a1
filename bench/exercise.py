"""«OK eller ikke OK?» live under a full room: prints figures, asserts nothing.

    .venv/bin/python bench/exercise.py            # 200 phones, three situations in a row
    .venv/bin/python bench/exercise.py --quick    # 200 phones, one situation

Needs PostgreSQL at postgresql://postgres@127.0.0.1:5432 (BENCH_DATABASE_URL to change it)
and Redis at redis://127.0.0.1:6379/0 (BENCH_REDIS_URL); creates its own database and drops
it afterwards. docs/exercise.md records the figures.

The server runs as in production: gunicorn with gunicorn.conf.py (gthread, 2 workers × 4
threads), TRYGG_ENV=production, rate limits on and kept in Redis (every phone comes from
127.0.0.1, like a room behind one venue NAT). The session is made and moved (advance,
reveal) directly in the database, as the facilitator's requests would.

Each of the 200 phones joins through the JSON API, then behaves as the phone page's script
does: polls the brief state every 2 s with If-None-Match, reloads its page (with the
participant cookie, so the server renders the answer form) when the situation changes, and
answers the three perspectives at a random moment within the 20 s window. The shared
screen polls every second and, when the state changed, loads the screen page, as
exercise-live.js does. Figures:

- answer p50/p99: the POST /x/<code>/api/answers round trip;
- screen update delay: from an answer's response (the answer is committed) until the
  screen has loaded a page whose count includes it; and from the reveal's commit until the
  screen has loaded the page with the spread.
"""

from __future__ import annotations

import argparse
import heapq
import http.client
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# bench/crypto.py would shadow the crypto package: keep this folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "bench-exercise-secret-" + secrets.token_hex(16)
PHONES = 200
WINDOW = 20.0  # seconds in which every phone answers
PHONE_POLL = 2.0
SCREEN_POLL = 1.0
CLIENT_THREADS = 48
WORKERS = 2


def log(message: str) -> None:
    print(message, flush=True)


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://")


def config(url: str, env: str = "production") -> Any:
    from trygg.config import Config

    return Config(env=env, secret_key=os.environ.get("BENCH_SECRET", SECRET),
                  database_url=_sqlalchemy_url(url), base_url="https://trygg.example",
                  ratelimit_storage_uri=REDIS_URL, mail_outbox=tempfile.gettempdir())


def app() -> Any:
    """gunicorn "bench.exercise:app()": the real app in production mode."""
    from trygg import create_app

    return create_app(config(os.environ["BENCH_APP_DATABASE_URL"]))


# -- the database -------------------------------------------------------------------------


def create_database() -> tuple[str, str]:
    import psycopg

    name = f"trygg_bench_exercise_{os.getpid()}_{secrets.token_hex(2)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Facilitator:
    """Makes and moves the session in the database, as the facilitator's requests do."""

    def __init__(self, url: str, scenarios: int) -> None:
        from flask_migrate import upgrade

        from accounts import services as accounts
        from exercise import content, services
        from trygg import create_app
        from trygg.extensions import db

        self.app = create_app(config(url))
        self.db, self.services = db, services
        with self.app.app_context():
            upgrade()
            org = accounts.create_organisation(db.session, slug="bench", name="Benkteatret",
                                               stats_k=5)
            db.session.flush()
            ex, self.code = services.create(
                db.session, org, None, [{"code": c} for c in content.BROCHURE[:scenarios]],
                list(content.DEFAULT_PERSPECTIVES), secret=self.app.config["SECRET_KEY"])
            self.session_id = ex.id
            db.session.commit()

    def move(self, action: str) -> float:
        """advance or reveal; returns the time of the commit."""
        from exercise.models import ExerciseSession

        with self.app.app_context():
            ex = self.db.session.get(ExerciseSession, self.session_id, with_for_update=True)
            getattr(self.services, action)(self.db.session, ex)
            self.db.session.commit()
            done = time.perf_counter()
            self.db.session.remove()
        return done


# -- the server ---------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, url: str) -> None:
        self.port = _free_port()
        env = {**os.environ, "BENCH_APP_DATABASE_URL": url, "BENCH_SECRET": SECRET,
               "PYTHONPATH": str(ROOT), "TRYGG_ENV": "production"}
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
             "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}",
             "--max-requests", "0", "bench.exercise:app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited; run it by hand to see why")
            try:
                status, _, _ = request(self.connect(), "GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)  # polling a port that is not open yet: nothing to wait on
        raise RuntimeError("gunicorn did not start within a minute")

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def request(conn: http.client.HTTPConnection, method: str, path: str, body: Any = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} if data is not None else {}
    for attempt in (1, 2):
        try:
            conn.request(method, path, body=data, headers={**sent, **(headers or {})})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # gunicorn closes an idle keep-alive connection after a few seconds, as a
            # phone's browser would notice: open a new one and send again.
            conn.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# -- the room -----------------------------------------------------------------------------


@dataclass
class Phone:
    token: str
    etag: str = ""
    seen: tuple[Any, ...] = ()


@dataclass
class Figures:
    answers: list[float] = field(default_factory=list)
    answer_starts: list[float] = field(default_factory=list)
    polls: list[float] = field(default_factory=list)
    not_modified: int = 0
    pages: list[float] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    answered_at: dict[int, list[float]] = field(default_factory=dict)  # scenario → times
    finished: dict[int, int] = field(default_factory=dict)  # scenario → phones done
    lag: list[float] = field(default_factory=list)  # how late events ran (client saturation)


class Room:
    """200 phones on a pool of client threads, each event at its scheduled time."""

    def __init__(self, server: Server, code: str, phones: list[Phone]) -> None:
        self.server, self.code, self.phones = server, code, phones
        self.events: list[tuple[float, int, str, int, int]] = []
        self.lock = threading.Condition()
        self.stop = False
        self.seq = 0
        self.figures = Figures()
        self.rng = random.Random(7)

    def schedule(self, at: float, kind: str, phone: int, scenario: int = -1) -> None:
        with self.lock:
            self.seq += 1
            heapq.heappush(self.events, (at, self.seq, kind, phone, scenario))
            self.lock.notify()

    def _next(self) -> tuple[float, str, int, int] | None:
        with self.lock:
            while not self.stop:
                if self.events:
                    at, _, kind, phone, scenario = self.events[0]
                    wait = at - time.perf_counter()
                    if wait <= 0:
                        heapq.heappop(self.events)
                        return at, kind, phone, scenario
                    self.lock.wait(wait)
                else:
                    self.lock.wait(0.5)
            return None

    def worker(self) -> None:
        conn = self.server.connect()
        while (item := self._next()) is not None:
            at, kind, index, scenario = item
            self.figures.lag.append(time.perf_counter() - at)
            if kind == "poll":
                self._poll(conn, index)
                if not self.stop:
                    self.schedule(at + PHONE_POLL, "poll", index)
            else:
                self._answer(conn, index, scenario)
        conn.close()

    def _poll(self, conn: http.client.HTTPConnection, index: int) -> None:
        phone = self.phones[index]
        started = time.perf_counter()
        status, headers, body = request(conn, "GET", f"/x/{self.code}/api/state?brief=1",
                                        headers={"If-None-Match": phone.etag})
        self.figures.polls.append(time.perf_counter() - started)
        if status == 304:
            self.figures.not_modified += 1
            return
        if status != 200:
            self.figures.failures.append(status)
            return
        phone.etag = headers.get("ETag", "")
        state = json.loads(body)
        key = (state["status"], state["scenario"])
        if key != phone.seen:
            phone.seen = key
            started = time.perf_counter()
            # The page reloads, with the participant's cookie (the token the join gave).
            status, _, _ = request(conn, "GET", f"/x/{self.code}",
                                   headers={"Cookie": f"trygg_x={phone.token}"})
            self.figures.pages.append(time.perf_counter() - started)

    def _answer(self, conn: http.client.HTTPConnection, index: int, scenario: int) -> None:
        phone = self.phones[index]
        for perspective in ("colleague", "leader", "partner"):
            value = self.rng.randint(1, 10)
            started = time.perf_counter()
            status, _, _ = request(conn, "POST", f"/x/{self.code}/api/answers", {
                "participant": phone.token, "scenario": scenario, "perspective": perspective,
                "value": value})
            ended = time.perf_counter()
            if status != 204:
                self.figures.failures.append(status)
                continue
            self.figures.answers.append(ended - started)
            self.figures.answer_starts.append(started)
            if perspective == "colleague":
                with self.lock:
                    self.figures.answered_at.setdefault(scenario, []).append(ended)
        with self.lock:
            self.figures.finished[scenario] = self.figures.finished.get(scenario, 0) + 1
            self.lock.notify_all()


class Screen(threading.Thread):
    """The shared screen's script: poll each second, load the page when the state changed."""

    def __init__(self, server: Server, code: str) -> None:
        super().__init__(daemon=True)
        self.server, self.code = server, code
        self.shown: list[tuple[float, dict[str, Any]]] = []  # (page loaded at, state)
        self.running = True

    def run(self) -> None:
        conn = self.server.connect()
        etag = ""
        while self.running:
            status, headers, body = request(conn, "GET", f"/x/{self.code}/api/state",
                                            headers={"If-None-Match": etag})
            if status == 200:
                etag = headers.get("ETag", "")
                state = json.loads(body)
                request(conn, "GET", f"/x/{self.code}/screen")
                self.shown.append((time.perf_counter(), state))
            time.sleep(SCREEN_POLL)  # the script's interval between polls
        conn.close()

    def first(self, test: Any, after: float = 0.0) -> float | None:
        return next((t for t, s in self.shown if t >= after and test(s)), None)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def run(args: argparse.Namespace) -> None:
    scenarios = 1 if args.quick else 3
    name, url = create_database()
    server = None
    try:
        log(f"database {name}; migrating and making the session …")
        facilitator = Facilitator(url, scenarios)
        server = Server(url)
        code = facilitator.code
        conn = server.connect()
        joins, phones = [], []
        for _ in range(PHONES):
            started = time.perf_counter()
            status, _, body = request(conn, "POST", f"/x/{code}/api/join")
            joins.append(time.perf_counter() - started)
            if status != 201:
                raise RuntimeError(f"join answered {status}: {body[:200]!r}")
            phones.append(Phone(json.loads(body)["participant"]))
        conn.close()
        room = Room(server, code, phones)
        screen = Screen(server, code)
        screen.start()
        threads = [threading.Thread(target=room.worker, daemon=True)
                   for _ in range(CLIENT_THREADS)]
        for t in threads:
            t.start()
        now = time.perf_counter()
        for i in range(PHONES):
            room.schedule(now + room.rng.uniform(0, PHONE_POLL), "poll", i)
        reveal_delays, update_delays, advanced = [], [], []
        for scenario in range(scenarios):
            started = facilitator.move("advance")
            advanced.append(started)
            for i in range(PHONES):
                room.schedule(started + room.rng.uniform(0.5, WINDOW), "answer", i, scenario)
            # Load generator's clock: wait out the window and for the last answers to land.
            time.sleep(WINDOW)
            with room.lock:
                room.lock.wait_for(lambda sc=scenario: room.figures.finished.get(sc, 0) >= PHONES,
                                   timeout=60)
            revealed = facilitator.move("reveal")
            time.sleep(2 * SCREEN_POLL + 1)
            times = sorted(room.figures.answered_at.get(scenario, []))
            for j, t in enumerate(times, start=1):
                seen = screen.first(lambda s, j=j, sc=scenario: s["scenario"] == sc
                                    and (s["answered"] >= j or s["status"] == "reveal"), t)
                if seen is not None:
                    update_delays.append(seen - t)
            seen = screen.first(lambda s, sc=scenario: s["status"] == "reveal"
                                and s["scenario"] == sc, revealed)
            if seen is not None:
                reveal_delays.append(seen - revealed)
        room.stop = True
        screen.running = False
        with room.lock:
            room.lock.notify_all()
        for t in threads:
            t.join()
        screen.join()
        f = room.figures
        log(f"\ngunicorn gthread {WORKERS} workers × 4 threads, TRYGG_ENV=production, "
            f"PostgreSQL, Redis rate limits; {PHONES} phones, {scenarios} situation(s), "
            f"each answered within {WINDOW:.0f} s; {os.cpu_count()} CPU cores")
        log(f"join:    n={len(joins)}  p50 {statistics.median(joins) * 1000:.1f} ms  "
            f"p99 {percentile(joins, .99) * 1000:.1f} ms")
        log(f"answer:  n={len(f.answers)}  p50 {statistics.median(f.answers) * 1000:.1f} ms  "
            f"p99 {percentile(f.answers, .99) * 1000:.1f} ms   (target p99 < 200 ms: "
            f"{'met' if percentile(f.answers, .99) < .2 else 'NOT met'})")
        calm = [d for d, s in zip(f.answers, f.answer_starts, strict=True)
                if not any(0 <= s - a < PHONE_POLL + 1 for a in advanced)]
        log(f"         outside the {PHONE_POLL + 1:.0f} s after a new situation, when every "
            f"phone reloads its page: n={len(calm)}  p99 {percentile(calm, .99) * 1000:.1f} ms")
        log(f"state poll: n={len(f.polls)}  p50 {statistics.median(f.polls) * 1000:.1f} ms  "
            f"p99 {percentile(f.polls, .99) * 1000:.1f} ms  ({f.not_modified} answered 304)")
        if f.pages:
            log(f"phone page loads on a new situation: n={len(f.pages)}  "
                f"p99 {percentile(f.pages, .99) * 1000:.1f} ms")
        worst = max(update_delays + reveal_delays) if update_delays else float("nan")
        log(f"screen update delay after an answer: n={len(update_delays)}  "
            f"p50 {statistics.median(update_delays):.2f} s  "
            f"p99 {percentile(update_delays, .99):.2f} s  max {max(update_delays):.2f} s")
        log("screen update delay after reveal: "
            + ", ".join(f"{d:.2f} s" for d in reveal_delays)
            + f"   (target within 2 s: {'met' if worst <= 2 else 'NOT met'})")
        log(f"client scheduling lag p99 {percentile(f.lag, .99) * 1000:.0f} ms "
            f"(load generator saturation); failures: {len(f.failures)} "
            f"{sorted(set(f.failures)) if f.failures else ''}")
    finally:
        if server is not None:
            server.stop()
        drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one situation instead of three")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
