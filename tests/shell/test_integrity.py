"""A client anyone can verify: SRI on every tag and a manifest that matches the tree
(trygg-verify against a running server: tests/reporting/test_verify.py)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from trygg import integrity

ROOT = Path(__file__).resolve().parents[2]
TAG = re.compile(r"<(script|link)\b[^>]*>")


def test_the_manifest_matches_the_static_files() -> None:
    """`make manifest` after changing a static file; this fails until then."""
    stored = integrity.read_manifest()
    built = integrity.build_manifest()
    assert stored["files"] == built["files"], "run `make manifest`"
    assert stored["version"] == integrity.trygg_version()


def test_no_template_loads_a_script_or_stylesheet_without_integrity() -> None:
    for template in ROOT.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]*\bsrc=", text), f"{template}: use module_script()"
        assert not re.search(r'<link[^>]*rel="(stylesheet|modulepreload)"', text), (
            f"{template}: use stylesheet()")


def _check_tags(page: str) -> int:
    checked = 0
    for tag in TAG.finditer(page):
        text = tag.group(0)
        src = re.search(r'\b(?:src|href)="/static/([^"]+)"', text)
        if src is None or ("<link" in text and "stylesheet" not in text
                           and "modulepreload" not in text):
            continue
        found = re.search(r'integrity="sha384-([^"]+)"', text)
        assert found, f"no integrity: {text}"
        data = (integrity.STATIC / src.group(1)).read_bytes()
        assert base64.b64decode(found.group(1)) == hashlib.sha384(data).digest()
        checked += 1
    return checked


def test_every_script_and_stylesheet_tag_carries_subresource_integrity(
    client: FlaskClient, factory: Any
) -> None:
    org = factory.org()
    factory.person(org, "handler", title="Verneombud")
    page = client.get(f"/r/{org.slug}/report").get_data(as_text=True)
    assert _check_tags(page) >= 1 + 1 + len(integrity.module_graph("js/report-form.js"))
    # The whole module graph is pinned: every import of the entry has a modulepreload.
    for dep in integrity.module_graph("js/report-form.js"):
        assert f'rel="modulepreload" href="/static/{dep}"' in page
