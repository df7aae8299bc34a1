"""docs/assessment.md's worked examples are what `assess` says (the docs cannot drift).

On a mismatch the test prints the table as it should be; paste it between the markers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from casework import labels
from casework.seriousness import assess

DOC = Path(__file__).resolve().parents[2] / "docs" / "assessment.md"

# The brochure's "OK eller ikke OK?" behaviours, as the nature of what happened.
SCENARIOS = (
    ("Forteller deg at antrekket ditt er sexy", "verbal"),
    ("Spør om du har gått ned i vekt", "verbal"),
    ("Sender deg et delvis avkledd bilde", "digital"),
    ("Slår deg på rumpa", "physical"),
    ("Gir deg en klem", "physical"),
    ("Gir deg et kyss på kinnet", "physical"),
    ("Kaller deg pulbar", "verbal"),
    ("Gir deg en nakkemassasje", "physical"),
    ("Lar hendene hvile på korsryggen din", "physical"),
    ("Kaller deg søta, kjekken, kjære", "verbal"),
)
# Unwanted, once, causing discomfort; from a colleague, and from a leader with some say.
BASE = {"frequency": "once", "consequences": "discomfort"}
COLLEAGUE = {"relation": "peer", "power": "none"}
LEADER = {"relation": "superior", "power": "some"}

EXAMPLES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("A: a remark about someone's body, once, by a colleague",
     {"nature": "verbal", "frequency": "once", "relation": "peer", "power": "none",
      "consequences": "discomfort"}),
    ("B: the same remark, repeated after being told to stop",
     {"nature": "verbal", "frequency": "repeated", "relation": "peer", "power": "none",
      "consequences": "discomfort", "aggravating": {"told_unwanted"}}),
    ("C: a director touches a freelancer at the premiere party, again",
     {"nature": "physical", "frequency": "repeated", "relation": "superior", "power": "strong",
      "consequences": "impaired_work", "aggravating": {"alcohol", "vulnerable_reporter"}}),
    ("D: an audience member gropes an usher",
     {"nature": "physical", "frequency": "once", "relation": "external", "power": "none",
      "consequences": "discomfort", "criminal": True}),
    ("E: sexual assault on tour",
     {"nature": "sexual_assault", "frequency": "once", "relation": "peer", "power": "none",
      "consequences": "health", "aggravating": {"isolated_setting", "alcohol"},
      "criminal": True}),
    ("F: a rude comment, then being left out of the next production for reporting it",
     {"nature": "verbal", "frequency": "once", "relation": "superior", "power": "strong",
      "consequences": "impaired_work", "aggravating": {"retaliation"}}),
)


def _reactions(codes: tuple[str, ...]) -> str:
    return ", ".join(c for c in codes if c not in (
        "follow_up_support", "retaliation_protection", "feedback_to_reporter", "documentation"))


def scenario_table() -> str:
    rows = ["| # | Behaviour (brochure) | nature | colleague | leader | colleague, told to stop "
            "| leader, told to stop |", "|---|---|---|---|---|---|---|"]
    for i, (text, nature) in enumerate(SCENARIOS, 1):
        cells = []
        for who in (COLLEAGUE, LEADER):
            for told in (frozenset(), frozenset({"told_unwanted"})):
                result = assess(nature=nature, aggravating=told, **BASE, **who)
                cells.append((result.level, result.reactions[0]))
        plain = [f"{lvl} · {first}" for lvl, first in cells]
        rows.append(f"| {i} | {text} | {nature} | {plain[0]} | {plain[2]} | {plain[1]} "
                    f"| {plain[3]} |")
    return "\n".join(rows)


def examples_table() -> str:
    rows = ["| example | level | reasons (strongest first) | reactions, most proportionate first "
            "| referrals |", "|---|---|---|---|---|"]
    for name, kw in EXAMPLES:
        result = assess(**{**kw, "aggravating": frozenset(kw.get("aggravating", ()))})
        reasons = "; ".join(r.code for r in result.reasons) or "—"
        rows.append(f"| {name} | {result.level} ({result.level_name}) | {reasons} "
                    f"| {_reactions(result.reactions)} | {', '.join(result.referrals)} |")
    return "\n".join(rows)


def _between(text: str, name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", text, re.S)
    assert match, f"docs/assessment.md lacks the {name} markers"
    return match.group(1).strip()


def test_the_scenario_table_matches_the_model() -> None:
    expected = scenario_table()
    assert _between(DOC.read_text(encoding="utf-8"), "scenarios") == expected, "\n" + expected


def test_the_worked_examples_match_the_model() -> None:
    expected = examples_table()
    assert _between(DOC.read_text(encoding="utf-8"), "examples") == expected, "\n" + expected


def test_every_code_in_the_docs_has_words() -> None:
    for code in labels.REACTIONS:
        assert f"`{code}`" in DOC.read_text(encoding="utf-8"), code
