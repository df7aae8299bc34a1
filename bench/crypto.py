"""Crypto benchmarks: prints figures, asserts nothing (docs/performance.md records them).

    .venv/bin/python bench/crypto.py            # full run (about a minute on 2 cores)
    .venv/bin/python bench/crypto.py --quick    # smoke run with fewer repetitions
    .venv/bin/python bench/crypto.py --no-browser

Python: envelope seal/unseal next to raw AES-256-GCM on the same payload, cost per extra
recipient, attachment stream throughput per chunk size, PBKDF2 unlock cost.
Chromium (Debian's, via Playwright, the flags of tests/browser/conftest.py): sealing a
10 KiB report, streaming a 100 MiB attachment generated in the page (with the renderer's
memory sampled while it runs), the chunk size comparison, PBKDF2 unlock cost.
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import importlib.util
import os
import platform
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This file is called crypto.py: make `import crypto` find the package, not this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402 - after sys.path

from crypto import envelope, keywrap, stream  # noqa: E402 - after sys.path
from crypto._b64 import b64d, b64e  # noqa: E402 - after sys.path

KIB = 1024
MIB = 1024 * KIB


def best_of(fn: Callable[[], object], repeat: int, number: int) -> float:
    """Seconds per call: the best of `repeat` runs of `number` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def mbps(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def envelope_timings(
    data: bytes, sk: bytes, pk: bytes, ctx: str, repeat: int, number: int
) -> dict[str, float]:
    key, nonce, aad = os.urandom(32), os.urandom(12), b"trygg/v1/body\x00" + ctx.encode()
    raw_ct = AESGCM(key).encrypt(nonce, data, aad)
    ct_text = b64e(raw_ct)
    env = envelope.seal(data, [pk], ctx)
    fns: dict[str, Callable[[], object]] = {
        "enc": lambda: AESGCM(key).encrypt(nonce, data, aad),
        "enc64": lambda: b64e(AESGCM(key).encrypt(nonce, data, aad)),
        "seal": lambda: envelope.seal(data, [pk], ctx),
        "dec": lambda: AESGCM(key).decrypt(nonce, raw_ct, aad),
        "dec64": lambda: AESGCM(key).decrypt(nonce, b64d(ct_text), aad),
        "unseal": lambda: envelope.unseal(env, sk, ctx),
    }
    return {name: best_of(fn, repeat, number) for name, fn in fns.items()}


def python_benchmarks(quick: bool) -> None:
    repeat = 3 if quick else 7
    sk, pk = keywrap.generate_key_pair()
    ctx = "org:1/case:2/report"
    print("\n## Python (cryptography", __import__("cryptography").__version__ + ")")
    print("MB/s of payload. raw = AES-256-GCM alone; +b64 = AES-256-GCM then base64url of the")
    print("ciphertext (what any JSON envelope must at least do); ratios are seal time / that.")
    print(
        f"{'payload':>10} {'raw':>7} {'+b64':>7} {'seal':>7} {'/raw':>6} {'/+b64':>6} | "
        f"{'raw':>7} {'+b64':>7} {'unseal':>7} {'/raw':>6} {'/+b64':>6}"
    )
    for size in (KIB, 64 * KIB, MIB - 1, MIB):
        data = os.urandom(size)
        number = max(1, int((2 if quick else 8) * MIB // size))
        r = envelope_timings(data, sk, pk, ctx, repeat, number)
        label = f"{size // KIB} KiB" if size % KIB == 0 else f"{size} B"
        print(
            f"{label:>10} {mbps(size, r['enc']):7.0f} {mbps(size, r['enc64']):7.0f} "
            f"{mbps(size, r['seal']):7.0f} {r['seal'] / r['enc']:6.1f} "
            f"{r['seal'] / r['enc64']:6.2f} | {mbps(size, r['dec']):7.0f} "
            f"{mbps(size, r['dec64']):7.0f} {mbps(size, r['unseal']):7.0f} "
            f"{r['unseal'] / r['dec']:6.1f} {r['unseal'] / r['dec64']:6.2f}"
        )
    # What an envelope adds on top of raw AES, at 1 MiB - 1 (padded to exactly 1 MiB).
    data = os.urandom(MIB - 1)
    env = envelope.seal(data, [pk], ctx)
    padded = envelope.pad(data)
    key = os.urandom(32)
    parts = {
        "pad": lambda: envelope.pad(data),
        "AES-GCM (padded)": lambda: AESGCM(key).encrypt(b"\0" * 12, padded, b""),
        "base64url (ct)": lambda: b64e(padded),
        "HPKE seal K": lambda: envelope._seal_key(key, pk, b"info"),
    }
    print(
        "seal at 1 MiB - 1, parts (ms):",
        ", ".join(f"{k} {best_of(v, repeat, 20) * 1e3:.2f}" for k, v in parts.items()),
    )
    print(
        "unseal strict parse (ms):",
        f"{best_of(lambda: envelope._parse(env), repeat, 20) * 1e3:.2f}",
    )

    print("\nper extra recipient (1 KiB payload):")
    data = os.urandom(KIB)
    keys = [keywrap.generate_key_pair()[1] for _ in range(10)]
    times = {
        n: best_of(functools.partial(envelope.seal, data, keys[:n], ctx), repeat, 50)
        for n in (1, 2, 5, 10)
    }
    slope = (times[10] - times[1]) / 9
    print(
        "  "
        + ", ".join(f"{n} → {t * 1e3:.3f} ms" for n, t in times.items())
        + f"; ≈ {slope * 1e3:.3f} ms per extra recipient (one HPKE seal, 80 bytes)"
    )
    env = envelope.seal(data, keys[:10], ctx)
    print(
        f"  envelope JSON size: 1 recipient {len(str(envelope.seal(data, keys[:1], ctx)))} B, "
        f"10 recipients {len(str(env))} B"
    )

    total = (16 if quick else 64) * MIB
    blob_in = os.urandom(total)
    print(
        f"\nattachment stream, {total // MIB} MiB in memory, output discarded, MB/s "
        "(encrypt / decrypt):"
    )
    for chunk in (16 * KIB, 64 * KIB, 256 * KIB, MIB):

        def enc(chunk: int = chunk) -> int:
            e = stream.Encryptor(key, chunk_size=chunk)
            size = sum(len(e.update(blob_in[i : i + chunk])) for i in range(0, total, chunk))
            return size + len(e.finalize())  # output discarded, as when written to a file

        e = stream.Encryptor(key, chunk_size=chunk)
        sealed = b"".join([e.update(blob_in), e.finalize()])

        def dec(sealed: bytes = sealed, step: int = chunk + 16) -> None:
            d = stream.Decryptor(key)
            for i in range(0, len(sealed), step):
                d.update(sealed[i : i + step])
            d.finalize()

        reps = 1 if quick else 3
        print(
            f"  chunk {chunk // KIB:>5} KiB: {mbps(total, best_of(enc, reps, 1)):7.0f} / "
            f"{mbps(total, best_of(dec, reps, 1)):7.0f}"
        )

    t = best_of(lambda: keywrap.wrap_private_key(sk, "passfrase"), 1 if quick else 3, 1)
    print(f"\nPBKDF2-SHA256 {keywrap.DEFAULT_ITERATIONS} iterations (wrap): {t * 1e3:.0f} ms")


# -- Chromium ---------------------------------------------------------------------------------


def chromium_args() -> list[str]:
    spec = importlib.util.spec_from_file_location(
        "_browser_conftest", ROOT / "tests" / "browser" / "conftest.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.CHROMIUM_ARGS)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - class attribute of the stdlib handler
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def static_server() -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(ROOT / "trygg" / "static"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


PAGE_SETUP = """async () => {
  window.T = {
    envelope: await import('/js/envelope.js'),
    stream: await import('/js/stream.js'),
    keys: await import('/js/keys.js'),
  };
  // A 100 MiB "file" that never exists in memory at once: pulled in 256 KiB pieces.
  T.source = (total, piece = 256 * 1024) => {
    const template = new Uint8Array(piece);
    for (let i = 0; i < piece; i += 65536) crypto.getRandomValues(template.subarray(i, i + 65536));
    let sent = 0;
    return new ReadableStream({
      pull(c) {
        if (sent >= total) { c.close(); return; }
        const n = Math.min(piece, total - sent);
        c.enqueue(template.slice(0, n));
        sent += n;
      },
    }, { highWaterMark: 1 });
  };
  T.counter = () => { const s = { bytes: 0 }; s.sink = new WritableStream({
    write(chunk) { s.bytes += chunk.length; } }); return s; };
}"""

SEAL_REPORT = """async ([pks, runs]) => {
  const keys = pks.map((p) => Uint8Array.from(atob(p), (c) => c.charCodeAt(0)));
  const report = crypto.getRandomValues(new Uint8Array(10 * 1024));
  const times = [];
  for (let i = 0; i < runs + 5; i++) {
    const t = performance.now();
    await T.envelope.seal(report, keys, 'org:1/case:2/report');
    if (i >= 5) times.push(performance.now() - t);  // first five are warm-up
  }
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1], p95: times[Math.floor(times.length * 0.95)] };
}"""

STREAM_JOB = """([pk, total, chunkSize, decrypt]) => {
  window.__result = null;
  const run = async () => {
    const pkBytes = Uint8Array.from(atob(pk), (c) => c.charCodeAt(0));
    const fileKey = crypto.getRandomValues(new Uint8Array(32));
    const out = T.counter();
    const t = performance.now();
    let s = T.source(total).pipeThrough(await T.stream.createEncryptor(fileKey, { chunkSize }));
    if (decrypt) s = s.pipeThrough(await T.stream.createDecryptor(fileKey));
    await s.pipeTo(out.sink);
    return { ms: performance.now() - t, bytes: out.bytes };
  };
  run().then((r) => { window.__result = r; }, (e) => { window.__result = { error: String(e) }; });
}"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def stream_run(
    page: Any, browser_cdp: Any, pk: str, total: int, chunk: int, decrypt: bool
) -> dict[str, float]:
    """Run a stream job in the page while sampling JS heap (CDP) and renderer RSS (/proc)."""
    page_cdp = page.context.new_cdp_session(page)
    renderers = [
        p["id"]
        for p in browser_cdp.send("SystemInfo.getProcessInfo")["processInfo"]
        if p["type"] == "renderer"
    ]
    page_cdp.send("HeapProfiler.collectGarbage")
    heap0 = page_cdp.send("Runtime.getHeapUsage")["usedSize"]
    rss0 = sum(rss_kib(p) for p in renderers)
    heap_peak, rss_peak = heap0, rss0
    page.evaluate(STREAM_JOB, [pk, total, chunk, decrypt])
    while True:
        heap_peak = max(heap_peak, page_cdp.send("Runtime.getHeapUsage")["usedSize"])
        rss_peak = max(rss_peak, sum(rss_kib(p) for p in renderers))
        result = page.evaluate("() => window.__result")
        if result:
            break
        page.wait_for_timeout(20)  # a benchmark sampling interval, not synchronisation
    if "error" in result:
        raise RuntimeError(result["error"])
    assert result["bytes"] == (total if decrypt else stream.encrypted_size(total, chunk))
    page_cdp.detach()
    return {
        "mbps": total / (result["ms"] / 1000) / 1e6,
        "heap0": heap0 / MIB,
        "heap_peak": heap_peak / MIB,
        "rss0": rss0 / KIB,
        "rss_peak": rss_peak / KIB,
    }


def browser_benchmarks(quick: bool) -> None:
    from playwright.sync_api import sync_playwright

    _, pk = keywrap.generate_key_pair()
    pk64 = base64.b64encode(pk).decode()
    others = [base64.b64encode(keywrap.generate_key_pair()[1]).decode() for _ in range(4)]
    with static_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=chromium_args())
        print(f"\n## Chromium {browser.version} (headless, Debian package)")
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + "/blank.html")
        page.evaluate(PAGE_SETUP)
        runs = 30 if quick else 200
        for n in (1, 3, 5):
            r = page.evaluate(SEAL_REPORT, [[pk64, *others][:n], runs])
            print(
                f"seal a 10 KiB report to {n} recipient(s): median {r['median']:.2f} ms, "
                f"p95 {r['p95']:.2f} ms ({runs} runs)"
            )

        browser_cdp = browser.new_browser_cdp_session()
        total = (20 if quick else 100) * MIB
        print(
            "\nstream an attachment generated in the page "
            "(MB/s; JS heap and renderer RSS in MiB, before → peak):"
        )
        runs_ = [
            (total, chunk, decrypt)
            for chunk in (16 * KIB, 64 * KIB, 256 * KIB, MIB)
            for decrypt in (False, True)
            if not quick or chunk == 64 * KIB
        ]
        if not quick:  # four times the size: memory must not grow with it
            runs_ += [(4 * total, stream.CHUNK_SIZE, False), (4 * total, stream.CHUNK_SIZE, True)]
        for size, chunk, decrypt in runs_:
            r = stream_run(page, browser_cdp, pk64, size, chunk, decrypt)
            what = "encrypt+decrypt" if decrypt else "encrypt        "
            print(
                f"  {size // MIB:>4} MiB, chunk {chunk // KIB:>5} KiB {what}: {r['mbps']:6.0f} "
                f"MB/s   heap {r['heap0']:5.1f} → {r['heap_peak']:5.1f}   RSS {r['rss0']:6.1f} → "
                f"{r['rss_peak']:6.1f}"
            )

        unlock = page.evaluate(
            """async () => {
          const { keys } = T;
          const { privateKey, publicKey } = await keys.generateKeyPair();
          let t = performance.now();
          const blob = await keys.wrapPrivateKey(privateKey, 'passfrase', publicKey);
          const wrap = performance.now() - t;
          t = performance.now();
          await keys.unwrapPrivateKey(blob, 'passfrase', publicKey);
          return { wrap, unwrap: performance.now() - t, iter: blob.iter };
        }"""
        )
        print(
            f"\nPBKDF2-SHA256 {unlock['iter']} iterations: wrap {unlock['wrap']:.0f} ms, "
            f"unwrap {unlock['unwrap']:.0f} ms"
        )
        context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 20 MiB stream")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    args = parser.parse_args()
    print(
        f"# bench/crypto.py {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
        + (" (quick)" if args.quick else "")
    )
    python_benchmarks(args.quick)
    if not args.no_browser:
        if Path("/usr/bin/chromium").exists():
            browser_benchmarks(args.quick)
        else:
            print("\n(Chromium not found at /usr/bin/chromium: browser figures skipped)")


if __name__ == "__main__":
    main()
