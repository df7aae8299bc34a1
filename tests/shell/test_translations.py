"""Every UI string has a Norwegian bokmål translation (bokmål is the default language)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from trygg.i18n import ROOT, TRANSLATION_PACKAGES

METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _strings(package: str) -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / package, method_map=METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("package", TRANSLATION_PACKAGES)
def test_every_string_has_a_bokmal_translation(package: str) -> None:
    wanted = _strings(package)
    if not wanted:
        pytest.skip(f"{package} has no UI strings yet")
    po_path = Path(ROOT / package / "translations" / "nb" / "LC_MESSAGES" / "messages.po")
    assert po_path.exists(), f"{po_path} is missing: make extract-messages PACKAGES={package}"
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and m.string and (m.string if isinstance(m.string, str) else all(m.string))
        and not m.fuzzy
    }
    missing = sorted(wanted - translated)
    assert not missing, f"{package}: {len(missing)} strings lack bokmål: {missing[:10]}"
