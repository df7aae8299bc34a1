"""The whole reporter journey under load, next to the bare insert: prints figures, asserts nothing.

    .venv/bin/python bench/journey.py            # 3 rounds
    .venv/bin/python bench/journey.py --quick    # 2 smaller rounds

Needs PostgreSQL as bench/intake.py does (BENCH_DATABASE_URL), and creates and drops its own
database. Three servers, each gunicorn with the production settings of gunicorn.conf.py and 2
workers on the same database, 20 concurrent clients with keep-alive connections, measured
one after the other in every round (baseline, JavaScript journey, no-JavaScript journey), so
that machine noise hits all three:

- baseline: bench/intake.py's bare Flask + SQLAlchemy insert of the same sealed bodies,
  measured exactly as bench/intake.py measures it;
- JavaScript journey: GET /r/demo/report (the form page), then POST /r/demo/api/reports with a
  report sealed beforehand as the browser seals it, carrying the page's form token;
- no-JavaScript journey: GET /r/demo/report, then POST the form itself (urlencoded, with the
  page's form token and one-off key): the server seals in memory and answers with the
  receipt page.

Rate limits are off as in bench/intake.py (all clients share one address here). The figure
is the server's CPU time (gunicorn processes and the database's PostgreSQL backends, from
/proc: bench/_server.py) per journey; `journey / baseline: X×` is the baseline's CPU per
request divided by the journey's CPU per journey.
"""

from __future__ import annotations

import argparse
import http.client
import re
import shutil
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# bench/crypto.py would shadow the crypto package: keep this folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

from bench._server import (  # noqa: E402 - after the path fix above
    CLIENTS,
    WORKERS,
    create_database,
    drop_database,
    load_average,
    log,
    run,
    verdict,
)
from bench.intake import measure_baseline, medians, prepare, server, table  # noqa: E402

FORM = "/r/demo/report"
API = "/r/demo/api/reports"
PAGE_HEADERS = {"Accept": "text/html", "Accept-Language": "nb"}
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key"[^>]*value="([^"]+)"'
                 r'|value="([^"]+)"[^>]*name="idempotency_key"')

# What a reporter fills in without JavaScript (about the size of bench/intake.py's report).
FIELDS = {
    "what": "Det skjedde etter prøven. " * 60, "when_period": "last_month", "when_text": "mars",
    "where_settings": "rehearsal", "concerns_role": "leader", "before": "yes_others",
    "consequences": "Jeg gruer meg til å gå på jobb.", "wants": "conversation",
}


def _get_form(conn: http.client.HTTPConnection) -> tuple[int, float, str]:
    started = time.perf_counter()
    conn.request("GET", FORM, headers=PAGE_HEADERS)
    response = conn.getresponse()
    page = response.read().decode()
    return response.status, time.perf_counter() - started, page


def js_journey(conn: http.client.HTTPConnection, body: bytes) -> list[tuple[int, float]]:
    status, seconds, page = _get_form(conn)
    found = TOKEN.search(page)
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "X-Trygg-Token": found.group(1) if found else "", "Sec-Fetch-Site": "same-origin"}
    started = time.perf_counter()
    conn.request("POST", API, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return [(status, seconds), (response.status, time.perf_counter() - started)]


def nojs_journey(conn: http.client.HTTPConnection, _: Any) -> list[tuple[int, float]]:
    status, seconds, page = _get_form(conn)
    token, key = TOKEN.search(page), KEY.search(page)
    fields = {**FIELDS, "form_token": token.group(1) if token else "",
              "idempotency_key": (key.group(1) or key.group(2)) if key else ""}
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html",
               "Accept-Language": "nb", "Sec-Fetch-Site": "same-origin"}
    started = time.perf_counter()
    conn.request("POST", FORM, body=urllib.parse.urlencode(fields), headers=headers)
    response = conn.getresponse()
    response.read()
    return [(status, seconds), (response.status, time.perf_counter() - started)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 300 journeys")
    args = parser.parse_args()
    requests, journeys, rounds = (600, 300, 2) if args.quick else (2000, 1000, 3)
    name, url = create_database("journey")
    outbox = tempfile.mkdtemp(prefix="trygg-bench-outbox-")
    try:
        log(f"database {name}; sealing reports in advance …")
        bodies = prepare(url, outbox, rounds * (requests + journeys))
        runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "js": [], "nojs": []}
        load = [load_average()]
        for r in range(rounds):
            chunk = bodies[r * (requests + journeys):(r + 1) * (requests + journeys)]
            runs["baseline"].append(measure_baseline(name, url, outbox, chunk[:requests],
                                                     requests // 10))
            for label, perform, items in (("js", js_journey, chunk[requests:]),
                                          ("nojs", nojs_journey, list(range(journeys)))):
                s = server("trygg", url, outbox)
                try:
                    runs[label].append(run(s, name, items, journeys // 10, perform))
                finally:
                    s.stop()
        load.append(load_average())
        log(f"\ngunicorn gthread, {WORKERS} workers; {CLIENTS} concurrent clients; PostgreSQL; "
            f"{rounds} round(s) of baseline ({requests} requests), JavaScript and "
            f"no-JavaScript journeys ({journeys} each; the first tenth of each run warms up); "
            f"load average {load[0]} before, {load[1]} after")
        log("baseline: one request; js, nojs: one journey (form page + submission). CPU: "
            "gunicorn master + workers and the database's PostgreSQL backends, from /proc")
        table(runs, unit="it")
        med = medians(runs)
        b, js, nojs = med["baseline"], med["js"], med["nojs"]
        log("\nmedians over the rounds:")
        log(f"CPU: baseline {b['cpu_ms']:.2f} ms/request, JavaScript journey "
            f"{js['cpu_ms']:.2f} ms, no-JavaScript journey {nojs['cpu_ms']:.2f} ms")
        log(f"per-request p99 (20 clients): JavaScript journey {js['p99']:.1f} ms, "
            f"no-JavaScript {nojs['p99']:.1f} ms (target < 100: "
            f"{verdict(max(js['p99'], nojs['p99']) < 100)})")
        ratio_nojs = b["cpu_ms"] / nojs["cpu_ms"]
        ratio = b["cpu_ms"] / js["cpu_ms"]
        log(f"no-JavaScript journey / baseline: {ratio_nojs:.2f}×   (target ≥ 0.35: "
            f"{verdict(ratio_nojs >= 0.35)})")
        log(f"journey / baseline: {ratio:.2f}×   (target ≥ 0.50: {verdict(ratio >= 0.5)})")
    finally:
        shutil.rmtree(outbox, ignore_errors=True)
        drop_database(name)


if __name__ == "__main__":
    main()
