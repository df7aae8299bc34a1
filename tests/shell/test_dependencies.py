"""Dependency floors stay above versions with published advisories (make audit checks the
installed versions where an advisory source is reachable)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
FLOORS = {"marshmallow": "3.26.2", "flask": "3.1.1", "gunicorn": "23", "jinja2": "3.1.6"}


def test_no_dependency_floor_allows_a_version_with_a_known_advisory() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for requirement in project["dependencies"]:
        found = re.match(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][^,\s]*)", requirement)
        if found:
            floors[found.group(1).lower()] = Version(found.group(2))
    for name, minimum in FLOORS.items():
        assert name in floors, f"{name} has no floor in pyproject.toml"
        assert floors[name] >= Version(minimum), f"{name}>={floors[name]} allows < {minimum}"
