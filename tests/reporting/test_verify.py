"""trygg-verify against a live local server process: what the public reporting pages load
matches the manifest, and a deployment serving other code is caught."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from trygg import integrity

ROOT = Path(__file__).resolve().parents[2]


def test_trygg_verify_against_a_running_server(database: Any, tmp_path: Path) -> None:
    from tests.reporting.test_crash import Worker

    worker = Worker(database, None)
    try:
        url = f"http://127.0.0.1:{worker.port}/r/demo"
        verify = [sys.executable, "-c", "from trygg.verify_cli import main; main()", url]
        good = subprocess.run(verify, capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert good.returncode == 0, good.stdout + good.stderr
        assert "MISMATCH" not in good.stdout and "files match the manifest" in good.stdout
        assert "MATCH     js/report-form.js" in good.stdout
        assert "MATCH     js/hpke.js" in good.stdout  # imported, not tagged: followed too
        assert re.search(r"^  [0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4}$", good.stdout,
                         re.MULTILINE)  # the handlers' fingerprints, to compare
        # A deployment serving other code than the manifest says.
        manifest = integrity.read_manifest()
        manifest["files"]["js/envelope.js"] = "0" * 64
        other = tmp_path / "manifest.json"
        other.write_text(json.dumps(manifest))
        bad = subprocess.run([*verify, "--manifest", str(other)], capture_output=True,
                             text=True, cwd=ROOT, timeout=120)
        assert bad.returncode == 1
        assert "MISMATCH  js/envelope.js" in bad.stdout
        assert "does NOT serve the code" in bad.stderr
    finally:
        worker.stop()
