"""docs/assessment.md's worked examples are what `assess` says (the docs cannot drift).

The examples are the cases of domain-review.md section 3.4 (where model v1 gave answers a
lawyer could not defend) and a few more. On a mismatch the test prints the table as it
should be; paste it between the markers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from casework import labels
from casework.seriousness import assess
from casework.vocabulary import ALWAYS_REACTIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "assessment.md"

PEER = {"relation": "peer", "power": "none"}
DIRECTOR = {"relation": "superior", "power": "strong"}
ONCE = {"frequency": "once"}

EXAMPLES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("A: a rape by a colleague, harm to health",
     {"nature": "sexual_assault", **ONCE, **PEER, "consequences": "health", "criminal": True}),
    ("B: a rape by a director",
     {"nature": "sexual_assault", **ONCE, **DIRECTOR, "consequences": "health",
      "criminal": True, "context": {"tour_overnight"}}),
    ("C: one unwanted hug by a director",
     {"nature": "physical", **ONCE, **DIRECTOR, "consequences": "none"}),
    ("D: «kaller deg pulbar», a colleague, once",
     {"nature": "verbal", "explicitness": "explicit_or_degrading", **ONCE, **PEER,
      "consequences": "discomfort"}),
    ("E: an audience member touches an usher on bare skin (the HR-2020-2476-A facts)",
     {"nature": "physical", "explicitness": "clearly_sexual", **ONCE, "relation": "external",
      "power": "none", "consequences": "discomfort"}),
    ("F: an unsolicited nude picture from a colleague",
     {"nature": "digital", "explicitness": "explicit_or_degrading", **ONCE, **PEER,
      "consequences": "discomfort"}),
    ("G: sexual remarks again, after a written warning",
     {"nature": "verbal", "explicitness": "clearly_sexual", "frequency": "repeated", **PEER,
      "consequences": "discomfort", "prior": "earlier_warning",
      "aggravating": {"told_unwanted"}}),
    ("H: a casting director touches a freelancer at the premiere party, again",
     {"nature": "physical", "explicitness": "clearly_sexual", "frequency": "repeated",
      "relation": "commissioner", "power": "strong", "consequences": "impaired_work",
      "aggravating": {"alcohol", "vulnerable_reporter"},
      "context": {"party_premiere", "audition_casting"},
      "risk_factors": {"freelance_assignment", "charismatic_power"}}),
    ("I: a teacher's remarks to a 16-year-old student",
     {"nature": "verbal", "explicitness": "clearly_sexual", "frequency": "repeated",
      "relation": "teacher_mentor", "power": "some", "consequences": "discomfort",
      "minor_involved": True, "context": {"teaching"}}),
    ("J: a rude comment, then left out of the next production for reporting it",
     {"nature": "verbal", **ONCE, **DIRECTOR, "consequences": "impaired_work",
      "aggravating": {"retaliation"}}),
)


def _codes(codes: tuple[str, ...]) -> str:
    return ", ".join(c for c in codes if c not in ALWAYS_REACTIONS) or "—"


def examples_table() -> str:
    rows = ["| example | level | reasons (strongest first; `not_higher` last) | recommendations, "
            "most proportionate first | interim | referrals | notices |",
            "|---|---|---|---|---|---|---|"]
    for name, kw in EXAMPLES:
        result = assess(**kw)
        reasons = "; ".join(r.code for r in result.reasons)
        rows.append(f"| {name} | {result.level} ({result.level_name}) | {reasons} "
                    f"| {_codes(result.reactions)} | {_codes(result.interim)} "
                    f"| {', '.join(result.referrals)} | {', '.join(result.notices)} |")
    return "\n".join(rows)


def _between(text: str, name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", text, re.S)
    assert match, f"docs/assessment.md lacks the {name} markers"
    return match.group(1).strip()


def test_the_worked_examples_match_the_model() -> None:
    expected = examples_table()
    assert _between(DOC.read_text(encoding="utf-8"), "examples") == expected, "\n" + expected


def test_the_brochure_scenarios_are_not_a_sentencing_table() -> None:
    assert "scenarios:start" not in DOC.read_text(encoding="utf-8")


def test_every_code_in_the_docs_has_words() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code in [*labels.REACTIONS, *labels.NOTICES]:
        assert f"`{code}`" in text, code
