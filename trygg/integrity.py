"""A client anyone can verify: Subresource Integrity on every script and stylesheet, and a
manifest of every static file.

- `module_script("js/x.js")` and `stylesheet("css/x.css")` (Jinja globals) write the tags
  with `integrity="sha384-…"`; a module script also gets a `<link rel="modulepreload">` with
  its own integrity for every module it imports, directly or not, so the whole module graph
  is pinned, not just the entry.
- `trygg/data/manifest.json` holds the SHA-256 of every file under trygg/static and the
  version (`make manifest` writes it; tests/shell/test_integrity.py checks it against the
  tree). `trygg-verify` (trygg/verify_cli.py) compares what a deployment serves with it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

PACKAGE = Path(__file__).resolve().parent
STATIC = PACKAGE / "static"
MANIFEST = PACKAGE / "data" / "manifest.json"
# Static ES module imports of a sibling file: `import … from "./x.js"`, `import "./x.js"`.
_IMPORT = re.compile(r"""\b(?:from|import)\s*["'](\./[\w.-]+\.js)["']""")


def trygg_version() -> str:
    try:
        return version("trygg")
    except PackageNotFoundError:  # pragma: no cover - running from a tree without install
        return "unknown"


def build_manifest(static: Path = STATIC) -> dict[str, Any]:
    files = {
        path.relative_to(static).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(static.rglob("*")) if path.is_file()
    }
    return {"format": "trygg-static-manifest/1", "version": trygg_version(), "files": files}


def read_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def module_imports(source: str, name: str) -> list[str]:
    """The static files a module at `name` ("js/a.js") imports directly, as static names."""
    folder = name.rsplit("/", 1)[0] if "/" in name else ""
    return [f"{folder}/{target[2:]}" if folder else target[2:]
            for target in _IMPORT.findall(source)]


@lru_cache(maxsize=256)
def _sri(filename: str, _mtime: int) -> str:
    digest = hashlib.sha384((STATIC / filename).read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


def sri(filename: str) -> str:
    """The integrity value of a static file (recomputed when the file changes)."""
    return _sri(filename, (STATIC / filename).stat().st_mtime_ns)


def module_graph(entry: str) -> list[str]:
    """Every module `entry` imports, directly or not (not `entry` itself), in order."""
    seen: list[str] = []
    todo = [entry]
    while todo:
        name = todo.pop(0)
        for dep in module_imports((STATIC / name).read_text(encoding="utf-8"), name):
            if dep != entry and dep not in seen:
                seen.append(dep)
                todo.append(dep)
    return seen


def _url(filename: str) -> str:
    from flask import url_for

    return url_for("static", filename=filename)


def module_script(filename: str) -> Markup:
    tags = [
        f'<link rel="modulepreload" href="{escape(_url(dep))}" integrity="{sri(dep)}">'
        for dep in module_graph(filename)
    ]
    tags.append(f'<script type="module" src="{escape(_url(filename))}" '
                f'integrity="{sri(filename)}"></script>')
    return Markup("\n".join(tags))  # noqa: S704 - built from our own file names and digests


def stylesheet(filename: str) -> Markup:
    return Markup(  # noqa: S704 - built from our own file name and digest
        f'<link rel="stylesheet" href="{escape(_url(filename))}" integrity="{sri(filename)}">'
    )


def install(app: Any) -> None:
    app.jinja_env.globals.update(module_script=module_script, stylesheet=stylesheet)


def main() -> None:
    """Write the manifest (`make manifest`)."""
    MANIFEST.parent.mkdir(exist_ok=True)
    MANIFEST.write_text(json.dumps(build_manifest(), indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
    print(f"wrote {MANIFEST.relative_to(PACKAGE.parent)}", file=sys.stderr)

