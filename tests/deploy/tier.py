"""Trygg as deployed: nginx terminating TLS in front of two gunicorn nodes, on PostgreSQL
and Redis, reached only through https://.

The nginx configuration is the block docs/deploy.md shows (read from the document, with the
test's ports, certificate and log path put in), gunicorn runs with `gunicorn.conf.py` and
`TRYGG_ENV=production`, the schema is built with `flask db upgrade` as an operator would.
Only the demo people are created in-process (the demo seed refuses production), on the same
database and with the same secret the nodes use.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
MARKER = "<!-- deploy-tier:nginx"
NGINX = os.environ.get("TRYGG_NGINX", "/usr/sbin/nginx")
START_TIMEOUT = 60.0


def nginx_block() -> str:
    """The nginx configuration exactly as docs/deploy.md shows it."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    after = text[text.index(MARKER):]
    start = after.index("```nginx\n") + len("```nginx\n")
    return after[start:after.index("```", start)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, its own trust anchor."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Trygg deployment test")])
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.crt", directory / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"docs/deploy.md's nginx block no longer has {old!r} once"
    return text.replace(old, new)


def render_nginx(*, nodes: list[int], https_port: int, http_port: int, cert: Path, key: Path,
                 access_log: Path) -> str:
    block = nginx_block()
    block = _replace_once(block, "server 127.0.0.1:8000;", f"server 127.0.0.1:{nodes[0]};")
    block = _replace_once(block, "server 127.0.0.1:8001;", f"server 127.0.0.1:{nodes[1]};")
    block = _replace_once(block, "listen 443 ssl http2;",
                          f"listen 127.0.0.1:{https_port} ssl http2;")
    block = _replace_once(block, "listen 80;", f"listen 127.0.0.1:{http_port};")
    block = _replace_once(block, "/etc/letsencrypt/live/trygg.example.no/fullchain.pem", str(cert))
    block = _replace_once(block, "/etc/letsencrypt/live/trygg.example.no/privkey.pem", str(key))
    block = _replace_once(block, "/var/log/nginx/trygg-access.log", str(access_log))
    # The test keeps (at warn level) what production throws away for reporter routes, to
    # check that nothing of theirs was spooled to a temporary file.
    return _replace_once(block, "error_log /dev/null;",
                         f"error_log {access_log.parent / 'reporter-error.log'} warn;")


NGINX_MAIN = """\
{user}
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/trygg.conf;
}}
"""


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll a condition (a server answering, a process gone) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _answers(url: str, context: Any = None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Node:
    """One app server: gunicorn with the production settings."""

    name: str
    port: int
    log: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT, env={**self.env, "TRYGG_BIND": f"127.0.0.1:{self.port}"},
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_until(self.ready, START_TIMEOUT, f"gunicorn node {self.name}")

    def ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"node {self.name} exited: {self.log.read_text()[-3000:]}")
        return _answers(f"http://127.0.0.1:{self.port}/healthz")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9 the whole node, master and workers, as a crash would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if not self.alive:
            return
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Tier:
    """The running deployment; call it with a path for an https:// address."""

    directory: Path
    database_url: str
    redis_url: str
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    nodes: list[Node] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None
    app: Any = None

    def __call__(self, path: str = "/") -> str:
        return self.url + path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def cert(self) -> Path:
        return self.directory / "tls.crt"

    @property
    def access_log(self) -> Path:
        return self.directory / "nginx" / "access.log"

    @property
    def error_log(self) -> Path:
        return self.directory / "nginx" / "error.log"

    @property
    def reporter_error_log(self) -> Path:
        return self.directory / "nginx" / "reporter-error.log"

    @property
    def outbox(self) -> Path:
        return self.directory / "outbox"

    def env(self) -> dict[str, str]:
        """The production environment every node (and every operator command) runs with."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith("TRYGG_")}
        return {
            **keep,
            "TRYGG_ENV": "production",
            "TRYGG_SECRET_KEY": self.secret_key,
            "TRYGG_DATABASE_URL": self.database_url,
            "TRYGG_RATELIMIT_STORAGE_URI": self.redis_url,
            "TRYGG_BASE_URL": self.url,
            "TRYGG_PROXY_HOPS": "1",
            "TRYGG_FORWARDED_ALLOW_IPS": "127.0.0.1",
            "TRYGG_MAIL_OUTBOX": str(self.outbox),
            "TRYGG_INSTANCE_DIR": str(self.directory / "instance"),
            "TRYGG_WORKERS": "2",
            "TRYGG_THREADS": "4",
        }

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """An operator command (`flask --app wsgi …`) with the production environment."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env(),
            capture_output=True, text=True, timeout=120, check=check,
        )

    # -- lifecycle ------------------------------------------------------------------------

    def start(self, seed: Callable[[Tier], None]) -> None:
        (self.directory / "nginx").mkdir(parents=True, exist_ok=True)
        self.outbox.mkdir(exist_ok=True)
        make_certificate(self.directory)
        self.flask("db", "upgrade")
        seed(self)
        ports = [free_port(), free_port()]
        self.nodes = [Node(f"node{i + 1}", port, self.directory / f"node{i + 1}.log",
                           self.env()) for i, port in enumerate(ports)]
        for node in self.nodes:
            node.start()
        self._start_nginx(ports)

    def _start_nginx(self, ports: list[int]) -> None:
        d = self.directory / "nginx"
        (d / "trygg.conf").write_text(render_nginx(
            nodes=ports, https_port=self.https_port, http_port=self.http_port,
            cert=self.cert, key=self.directory / "tls.key", access_log=self.access_log))
        user = "user root;" if os.geteuid() == 0 else ""
        (d / "nginx.conf").write_text(NGINX_MAIN.format(d=d, user=user))
        test = subprocess.run([NGINX, "-t", "-p", str(d), "-c", str(d / "nginx.conf")],
                              capture_output=True, text=True, timeout=30)
        assert test.returncode == 0, test.stderr
        with (d / "stderr.log").open("wb") as err:
            self.nginx = subprocess.Popen(
                [NGINX, "-p", str(d), "-c", str(d / "nginx.conf")],
                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
            )
        import ssl

        context = ssl.create_default_context(cafile=str(self.cert))
        wait_until(lambda: _answers(self("/healthz"), context), START_TIMEOUT, "nginx")

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.nginx.pid, signal.SIGKILL)
        for node in self.nodes:
            node.stop()

    def restore(self) -> None:
        """Restart any node a test killed."""
        for node in self.nodes:
            if not node.alive:
                node.start()

    # -- clients --------------------------------------------------------------------------

    def client(self) -> Any:
        """An HTTP client that trusts only the tier's certificate and goes through nginx."""
        import requests

        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify`
        session.verify = str(self.cert)
        return session
