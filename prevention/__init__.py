"""Prevention: the brochure's measures (risk mapping, rules, routines, consequences,
standpoint, contract clause, make-known kit, talks, annual review, Balansemerket).

Never touches case content. The only link to casework is `signals.case_counts_by_factor`,
which reads assessed-case counts per risk factor for the leaders' k-protected view, and
`consequences_for`, which casework may call to show the organisation's own agreed
consequences beside a recommended reaction.
"""

from __future__ import annotations

from prevention.documents import consequences_for

__all__ = ["consequences_for"]
