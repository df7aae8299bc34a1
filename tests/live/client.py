"""A small HTTP client for the live-server tests: one connection per request, cookies kept."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class Server:
    """The app in its own process on a free port: Werkzeug's threaded server
    (tests/live/server.py), or gunicorn with the production gunicorn.conf.py (gthread)."""

    def __init__(self, url: str, folder: Path, kind: str = "werkzeug") -> None:
        env = {**os.environ, "TRYGG_ENV": "testing", "PYTHONPATH": str(ROOT)}
        self.log = (folder / f"server-{kind}.log").open("ab")
        if kind == "gunicorn":
            env.update(TRYGG_TEST_URL=url, TRYGG_TEST_FOLDER=str(folder),
                       TRYGG_BIND="127.0.0.1:0", TRYGG_WORKERS="1")
            command = [str(Path(sys.executable).with_name("gunicorn")), "-c",
                       str(ROOT / "gunicorn.conf.py"), "--no-control-socket",
                       "tests.live.server:build()"]
        else:
            command = [sys.executable, "-m", "tests.live.server", url, str(folder)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        self.port = self._port(kind)

    def _port(self, kind: str) -> int:
        """Werkzeug's server prints the port first; gunicorn logs "Listening at: …:port".
        A thread copies the process's output to the log from then on (a full pipe would
        stop the server)."""
        assert self.process.stdout is not None and self.process.stderr is not None
        stream = self.process.stderr if kind == "gunicorn" else self.process.stdout
        port = None
        for line in stream:
            self.log.write(line.encode())
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if kind != "gunicorn" and line.strip().isdigit():
                port = int(line)
            elif found:
                port = int(found.group(1))
            if port is not None:
                break
        assert port is not None, f"the server did not start ({self.log.name})"
        self.copying = [threading.Thread(target=self._copy, args=(source,), daemon=True)
                        for source in (self.process.stdout, self.process.stderr)]
        for thread in self.copying:
            thread.start()
        return port

    def _copy(self, source: Any) -> None:
        for line in source:
            self.log.write(line.encode())
            self.log.flush()

    def client(self) -> Client:
        return Client(self.port)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait(timeout=30)
        for thread in self.copying:
            thread.join(timeout=30)  # the pipes end with the process
        assert self.process.stdout is not None and self.process.stderr is not None
        self.process.stdout.close()
        self.process.stderr.close()
        self.log.close()


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    def __init__(self, port: int, timeout: float = 120) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> Response:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=sent)
            answer = conn.getresponse()
            data = answer.read()
            for value in answer.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return Response(answer.status, dict(answer.getheaders()), data)
        finally:
            conn.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_json(self, path: str, data: Any) -> Response:
        return self.request("POST", path, json.dumps(data).encode(),
                            {"Content-Type": "application/json"})

    def post_form(self, path: str, data: dict[str, str]) -> Response:
        from urllib.parse import urlencode

        return self.request("POST", path, urlencode(data).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})
