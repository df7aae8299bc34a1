"""trygg-verify: check from outside that a deployment serves the reviewed client code.

    trygg-verify https://trygg.example.no/r/<slug> [--manifest FILE]

Fetches the organisation's public page, its reporting form and its follow-up page, every
script and stylesheet they load (modulepreload links included) and every module those
scripts import, and compares each file's SHA-256 with the manifest of the installed Trygg
version (trygg/data/manifest.json, `make manifest`). It also checks that each tag's
Subresource Integrity value fits the file served, and prints the handlers' key fingerprints
the form shows, for handlers to compare with their key page. Exit 0 when everything
matches, 1 otherwise. Only the standard library talks to the network.
"""

from __future__ import annotations

import base64
import hashlib
import sys
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import click

from trygg.integrity import module_imports, read_manifest

STATIC_PREFIX = "/static/"
TIMEOUT = 30


class _Page(HTMLParser):
    """The subresources of a page and the handler fingerprints it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: list[tuple[str, str | None]] = []  # (url, integrity)
        self.fingerprints: list[str] = []
        self._in_fingerprint = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.resources.append((a["src"] or "", a.get("integrity")))
        elif tag == "link" and a.get("href") and (a.get("rel") or "") in (
                "stylesheet", "modulepreload"):
            self.resources.append((a["href"] or "", a.get("integrity")))
        elif tag == "code" and "data-fingerprint" in a:
            self._in_fingerprint = True

    def handle_data(self, data: str) -> None:
        if self._in_fingerprint and data.strip():
            self.fingerprints.append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self._in_fingerprint = False


def _fetch(url: str) -> bytes:
    if urlsplit(url).scheme not in ("http", "https"):
        raise click.ClickException(f"{url}: only http and https")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url, headers={"User-Agent": "trygg-verify"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - as above
        data: bytes = response.read()
        return data


def _sri_fits(integrity: str, data: bytes) -> bool:
    algorithm, _sep, value = integrity.partition("-")
    if algorithm not in ("sha256", "sha384", "sha512"):
        return False
    digest = hashlib.new(algorithm, data).digest()
    return base64.b64encode(digest).decode() == value


class Checker:
    def __init__(self, manifest: dict[str, Any]) -> None:
        self.files: dict[str, str] = manifest["files"]
        self.seen: set[str] = set()
        self.problems = 0

    def _say(self, ok: bool, text: str) -> None:
        click.echo(("MATCH     " if ok else "MISMATCH  ") + text)
        self.problems += not ok

    def resource(self, url: str, integrity: str | None, *, module: bool) -> None:
        path = urlsplit(url).path
        if url in self.seen:
            return
        self.seen.add(url)
        if not path.startswith(STATIC_PREFIX):
            self._say(False, f"{path}: not a static file of Trygg")
            return
        name = path[len(STATIC_PREFIX):]
        data = _fetch(url)
        expected = self.files.get(name)
        if expected is None:
            self._say(False, f"{name}: not in the manifest of this version")
            return
        actual = hashlib.sha256(data).hexdigest()
        self._say(actual == expected, f"{name}  sha256 {actual}")
        if integrity is not None and not _sri_fits(integrity, data):
            self._say(False, f"{name}: the page's integrity value does not fit the file")
        if module and name.endswith(".js"):
            for dep in module_imports(data.decode("utf-8", "replace"), name):
                self.resource(urljoin(url, "/static/" + dep), None, module=True)

    def page(self, url: str) -> list[str]:
        click.echo(f"-- {url}")
        parser = _Page()
        parser.feed(_fetch(url).decode("utf-8", "replace"))
        for src, integrity in parser.resources:
            full = urljoin(url, src)
            if integrity is None:
                self._say(False, f"{urlsplit(full).path}: loaded without an integrity value")
            self.resource(full, integrity, module=src.endswith(".js"))
        return parser.fingerprints


@click.command(help="Check that a Trygg deployment serves the code of this version.")
@click.argument("url")
@click.option("--manifest", "manifest_path", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None, help="Another manifest than the installed one.")
def main(url: str, manifest_path: Path | None) -> None:
    manifest = read_manifest(manifest_path) if manifest_path else read_manifest()
    click.echo(f"Manifest: Trygg {manifest.get('version')}, {len(manifest['files'])} files")
    checker = Checker(manifest)
    base = url.rstrip("/")
    try:
        checker.page(base)
        fingerprints = checker.page(base + "/report")
        checker.page(base + "/follow-up")
    except OSError as exc:
        raise click.ClickException(f"could not fetch: {exc}") from None
    if fingerprints:
        click.echo("Handlers' key fingerprints on the form (each handler: compare with your "
                   "key page):")
        for fingerprint in fingerprints:
            click.echo(f"  {fingerprint}")
    if checker.problems:
        click.echo(f"{checker.problems} problem(s): this deployment does NOT serve the code "
                   "of this version as reviewed.", err=True)
        sys.exit(1)
    click.echo(f"All {len(checker.seen)} files match the manifest.")
