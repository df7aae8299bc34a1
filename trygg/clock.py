"""The one clock rule: calendar days are Norwegian calendar days (Europe/Oslo).

Deadlines, the dates stored for reporter actions, statistics periods and prevention dates
all use `today()`, so that two parts of the product never disagree about which day it is
between midnight in Oslo and midnight UTC. Tests call it too (never `date.today()`, which
is the machine's own time zone).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def today() -> date:
    return datetime.now(OSLO).date()
