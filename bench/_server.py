"""Shared by bench/intake.py and bench/journey.py: a gunicorn server under test, its database,
the load and the server's CPU time. Not a benchmark itself (`make bench` skips `_*.py`).

What is measured is the server, not the load generator: the Python client threads run on
the same cores and would otherwise cap both servers near one rate. So beside throughput each
run records the CPU time (user + system, from /proc/<pid>/stat) of the gunicorn master and
workers and of the PostgreSQL backends connected to the bench database, between the end of
the warm-up and the end of the run, and divides it by the number of measured requests (or
journeys). PostgreSQL's shared background processes (WAL writer, checkpointer) serve every
database on the machine and are left out for both servers alike.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CLIENTS = 20
WORKERS = 2
TICK = os.sysconf("SC_CLK_TCK")

# perform(connection, item) sends one item (a request, or a journey of several) and returns
# (status, seconds) for each request it made.
Perform = Callable[[http.client.HTTPConnection, Any], list[tuple[int, float]]]


def log(message: str) -> None:
    print(message, flush=True)


def create_database(prefix: str) -> tuple[str, str]:
    import psycopg

    name = f"trygg_bench_{prefix}_{os.getpid()}_{secrets.token_hex(2)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# -- CPU time from /proc ------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # the command name may hold spaces


def _ticks(pid: int) -> int | None:
    fields = _stat(pid)
    return None if fields is None else int(fields[11]) + int(fields[12])  # utime + stime


def _session_pids(session: int) -> set[int]:
    """gunicorn's master and workers: it runs in a session of its own."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and int(fields[3]) == session:
                found.add(int(entry))
    return found


def _backend_pids(database: str) -> set[int]:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s",
                            (database,)).fetchall()
    return {int(pid) for (pid,) in rows}


class CpuMeter:
    """CPU seconds of one server's processes and its database backends over a span."""

    def __init__(self, session: int, database: str) -> None:
        self.session, self.database = session, database
        self.before: dict[int, int] = {}

    def _pids(self) -> set[int]:
        return _session_pids(self.session) | _backend_pids(self.database)

    def start(self) -> None:
        self.before = {pid: t for pid in self._pids() if (t := _ticks(pid)) is not None}

    def stop(self) -> float:
        """Seconds used since start(); processes started since count from zero."""
        total = 0
        for pid in self._pids() | set(self.before):
            now = _ticks(pid)
            if now is not None:
                total += now - self.before.get(pid, 0)
        return total / TICK


# -- the server ---------------------------------------------------------------------------------


class Server:
    """gunicorn -c gunicorn.conf.py (production settings) with `WORKERS` workers."""

    def __init__(self, app: str, env: dict[str, str]) -> None:
        self.port = _free_port()
        env = {**os.environ, **env, "PYTHONPATH": str(ROOT), "TRYGG_ENV": "development"}
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
             "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}",
             "--max-requests", "0", app],
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


# -- the load -----------------------------------------------------------------------------------


def _drive(port: int, items: Sequence[Any], perform: Perform) -> list[tuple[float, float, int]]:
    """Every item once, from CLIENTS threads with keep-alive connections."""
    lock = threading.Lock()
    queue = iter(items)
    done: list[tuple[float, float, int]] = []  # (seconds, end, status) per request

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            results = perform(conn, item)
            ended = time.perf_counter()
            with lock:
                done.extend((seconds, ended, status) for status, seconds in results)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done


def run(server: Server, database: str, items: Sequence[Any], warmup: int, perform: Perform,
        ok: tuple[int, ...] = (200, 201)) -> dict[str, Any]:
    """Warm up on the first `warmup` items, then measure the rest: rate, latency, CPU."""
    _drive(server.port, items[:warmup], perform)
    meter = CpuMeter(server.process.pid, database)
    meter.start()
    started = time.perf_counter()
    done = _drive(server.port, items[warmup:], perform)
    elapsed = time.perf_counter() - started
    cpu = meter.stop()
    n = len(items) - warmup
    seconds = sorted(s for s, _, _ in done)
    failures = [status for _, _, status in done if status not in ok]
    return {
        "n": n, "rate": n / elapsed, "cpu_ms": cpu * 1000 / n,
        "p50": statistics.median(seconds) * 1000,
        "p99": seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))] * 1000,
        "failures": len(failures), "statuses": sorted(set(failures)),
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"
