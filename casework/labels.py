"""Words for every code casework shows (translated on use; bokmål in translations/nb)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

# Re-exported: the templates read every label from casework_labels.
from casework.assessment_words import NOTICES, REACTION_WHY, REASON_TEXT  # noqa: F401

STATES: dict[str, LazyString] = {
    "received": _l("Received"),
    "acknowledged": _l("Acknowledged"),
    "assessing": _l("Being assessed"),
    "measures": _l("Measures"),
    "closed": _l("Closed"),
}

# The button that moves a case to a state.
STATE_ACTIONS: dict[tuple[str, str], LazyString] = {
    ("received", "acknowledged"): _l("Acknowledge receipt"),
    ("acknowledged", "assessing"): _l("Start the assessment"),
    ("assessing", "measures"): _l("Move on to measures"),
    ("assessing", "closed"): _l("Close the case"),
    ("measures", "closed"): _l("Close the case"),
    ("closed", "assessing"): _l("Reopen the case"),
}

STATE_REASONS: dict[str, LazyString] = {
    "receipt_confirmed": _l("Receipt confirmed to the reporter"),
    "information_sufficient": _l("We have enough information to assess"),
    "more_information_requested": _l("More information has been asked for"),
    "measures_decided": _l("Measures have been decided"),
    "no_measures_needed": _l("No measures needed"),
    "withdrawn_by_reporter": _l("The reporter withdrew the report"),
    "insufficient_information": _l("Too little information to go on"),
    "referred_elsewhere": _l("Referred elsewhere"),
    "measures_completed": _l("The measures are carried out"),
    "new_information": _l("New information"),
    "reporter_request": _l("The reporter asked for it"),
    "measures_not_followed": _l("The measures were not followed"),
    "closed_by_mistake": _l("Closed by mistake"),
}

# Level names (design.md section 6): never "minor", since all sexual harassment is unlawful.
LEVELS: dict[int, LazyString] = {
    1: _l("Lower seriousness"),
    2: _l("Medium"),
    3: _l("Serious"),
    4: _l("Very serious"),
    5: _l("Critical"),
}

KINDS: dict[str, LazyString] = {
    "sexual_harassment": _l("Sexual harassment"),
    "other_harassment": _l("Harassment on another ground (gender, ethnicity, disability …)"),
    "discrimination": _l("Discrimination"),
    "bullying": _l("Bullying"),
    "other_misconduct": _l("Other misconduct"),
}

FACTORS: dict[str, LazyString] = {
    "kind": _l("What the case is about"),
    "explicitness": _l("How sexualised, intrusive or degrading it was"),
    "prior": _l("Earlier reports or warnings about the same person"),
    "context": _l("Where and in what situation"),
    "risk_factors": _l("Risk factors from the risk mapping"),
    "minor_involved": _l("Someone under 18"),
    "nature": _l("What happened"),
    "frequency": _l("How often"),
    "relation": _l("The person it concerns, seen from the affected person"),
    "power": _l("Power and dependency"),
    "consequences": _l("Consequences for the affected person"),
    "aggravating": _l("Aggravating circumstances"),
    "criminal": _l("Criminal law"),
}

VALUES: dict[str, dict[str, LazyString]] = {
    "nature": {
        "verbal": _l("Verbal (remarks, jokes, comments)"),
        "nonverbal": _l("Non-verbal (looks, gestures, showing images)"),
        "digital": _l("Digital (messages, pictures sent)"),
        "physical": _l("Physical (unwanted touching)"),
        "sexual_assault": _l("Sexual assault"),
    },
    "frequency": {
        "once": _l("Once"),
        "repeated": _l("Repeated"),
        "systematic": _l("Systematic"),
    },
    "relation": {
        "peer": _l("A colleague at the same level"),
        "subordinate": _l("Someone who reports to the affected person"),
        "external": _l("Someone from outside (audience, guest, customer)"),
        "commissioner": _l(
            "The freelancer's commissioner (oppdragsgiver) or someone acting for it"),
        "teacher_mentor": _l("A teacher, mentor or supervisor"),
        "superior": _l("A leader (director, conductor, producer, manager)"),
    },
    "power": {
        "none": _l("No power over the affected person's work or career, formal or informal"),
        "some": _l("Some say, formal or informal (recommendations, networks)"),
        "strong": _l("Decides over work or career, formally or informally (casting, the next "
                     "engagement, celebrity)"),
    },
    "consequences": {
        "none": _l("Not known yet"),
        "discomfort": _l("Discomfort"),
        "impaired_work": _l("Harder to do the work"),
        "health": _l("Harm to health"),
        "severe": _l("Severe consequences (for example sick leave, or the person has left)"),
    },
    "explicitness": {
        "ambiguous": _l("Ambiguous (for example a hug, a pet name)"),
        "clearly_sexual": _l("Clearly sexual"),
        "explicit_or_degrading": _l("Explicit, intrusive or degrading"),
    },
    "prior": {
        "none": _l("None known"),
        "earlier_report": _l("An earlier report about the same person"),
        "earlier_warning": _l("An earlier substantiated case or warning about the same person"),
    },
    "context": {
        "intimate_work": _l("Intimate scenes or close physical work"),
        "audition_casting": _l("Audition, casting or recruitment"),
        "teaching": _l("Teaching, course or supervision"),
        "tour_overnight": _l("Tour or overnight stay"),
        "party_premiere": _l("Party, premiere or other social event"),
        "online": _l("Online: messages, social media, video calls"),
        "rehearsal_performance": _l("Rehearsal, performance or shooting"),
        "travel": _l("Travel for work"),
        "other_workplace": _l("Elsewhere at work"),
    },
    "risk_factors": {
        "freelance_assignment": _l("Freelance assignments"),
        "work_private_blur": _l("Blurred lines between work and private life"),
        "intimacy_as_tool": _l("Intimacy as a working tool"),
        "fluid_roles": _l("Fluid roles"),
        "informal_networks": _l("Informal networks"),
        "hierarchy_competition": _l("Hierarchy and competition"),
        "turnover": _l("High turnover"),
        "alcohol": _l("Alcohol"),
        "charismatic_power": _l("Charismatic power"),
        "boundary_pushing_art": _l("Boundary-pushing art"),
    },
    "aggravating": {
        "told_unwanted": _l("The person had been told it was unwanted"),
        "isolated_setting": _l("It happened where the affected person was alone"),
        "alcohol": _l("Alcohol was involved"),
        "vulnerable_reporter": _l(
            "The affected person is in an exposed position (young, new, freelance, temporary, "
            "student)"),
        "multiple_affected": _l("More than one person was affected"),
        "retaliation": _l("Retaliation after someone spoke up"),
        "abuse_of_role": _l("Misuse of a role (for example in intimate scenes)"),
        "employer_not_following_up": _l("The employer knew and did not follow up"),
    },
}

# Checked 29 Nov 2026 against stored copies of Prop. 132 L (2024–2025) and NOU 2022: 21: the
# consent reform (in force 1 July 2025) rewrote chapter 26; the new section numbers of the
# rape and consent provisions were not verified, so the chapter and the offences are named.
CRIMINAL_LABEL = _l(
    "It may be a criminal offence: straffeloven chapter 26 (sexual offences, after the 2025 "
    "consent reform: sexual intercourse without consent and rape, sexual acts without consent, "
    "sexually offensive conduct), § 266 (reckless conduct), § 266 a (stalking) or § 267 a "
    "(sharing intimate images). Always so for a sexual assault."
)
MINOR_LABEL = _l("Someone under 18 was affected")
SEXUAL_ASSAULT_NOT_CRIMINAL = _l(
    "A sexual assault is always a possible criminal offence: tick this box as well."
)

REACTIONS: dict[str, LazyString] = {
    "conversation": _l("A conversation and clarified rules"),
    "documented_conversation": _l("A documented conversation"),
    "written_warning": _l("A written warning"),
    "training": _l("Training or guidance (for example a compulsory course)"),
    "change_of_roles": _l("Removing responsibility or tasks, or changing roles"),
    "end_collaboration": _l("Ending the collaboration, for a period or for good"),
    "dismissal": _l("Dismissal (oppsigelse or avskjed); for a freelancer, ending the assignment"),
    "removal": _l("Removal from the venue or event"),
    "ban": _l("A ban, for a period or for good"),
    "team_measures": _l("Measures for the whole team (a talk, the rules revisited)"),
    "interim_separation": _l(
        "Keeping the parties apart while the employer investigates (schedules, no time alone, "
        "no say over the affected person)"),
    "suspension": _l("Suspension while the case is investigated (the employer, aml § 15-13)"),
    "protective_measures": _l(
        "Protecting staff from the outsider (never alone with them, a contact person; "
        "aml § 4-3 (4))"),
    "employer_handoff": _l("A summary to the employer, with the reporter's consent"),
    "consider_police_report": _l(
        "Considering a police report together with the person affected (see the duties below)"
    ),
    "follow_up_support": _l("Follow-up and support for the person affected"),
    "retaliation_protection": _l(
        "Protection against retaliation (arbeidsmiljøloven § 2A-4 for employees and hired "
        "staff; likestillings- og diskrimineringsloven § 14 for everyone, freelancers and "
        "volunteers included)"),
    "feedback_to_reporter": _l("Feedback to the reporter"),
    "documentation": _l("Documentation of what was done"),
    "retaliation_checkins": _l(
        "Check-ins with the reporter about retaliation after the hand-off and after closing"),
    "no_reaction": _l("No reaction, after an investigation"),
}

EMPLOYER_ACTION_SOURCES: dict[str, LazyString] = {
    "written_answer": _l("The employer's written answer"),
    "meeting": _l("A meeting with the employer"),
    "oral_answer": _l("The employer told the handler"),
}

REFERRAL_NAMES: dict[str, LazyString] = {
    "overgrepsmottak": _l("Overgrepsmottak (sexual assault centre)"),
    "police": _l("The police"),
    "balansekunst": _l("Balansekunst's advice line"),
    "ldo": _l("The Equality and Anti-Discrimination Ombud (LDO)"),
    "arbeidstilsynet": _l("The Labour Inspection Authority (Arbeidstilsynet)"),
    "diskrimineringsnemnda": _l("The Anti-Discrimination Tribunal (Diskrimineringsnemnda)"),
    "kirkens_sos": _l("Kirkens SOS (someone to talk to, day and night)"),
    "hjelpetelefonen": _l("Hjelpetelefonen for seksuelt misbrukte"),
}

OUTCOMES: dict[str, LazyString] = {
    "substantiated": _l("The employer's investigation confirmed what was reported"),
    "partly_substantiated": _l("Partly confirmed"),
    "not_substantiated": _l("Could not be confirmed"),
    "resolved_by_dialogue": _l("Resolved through dialogue"),
    "withdrawn": _l("Withdrawn"),
    "referred": _l("Referred elsewhere"),
}

CHECKLIST: dict[str, LazyString] = {
    "no_names": _l("No names of the reporter, the affected person, witnesses or others"),
    "no_roles_or_titles": _l("No roles, titles or positions that point to one person"),
    "no_dates_or_places": _l("No exact dates, times or places"),
    "no_production_details": _l("No production, tour or project that narrows it down"),
    "no_quotes": _l("No quotes or turns of phrase the reporter would recognisably use"),
    "minimum_necessary": _l("Only what the employer needs in order to act"),
}

AUDIT_ACTIONS: dict[str, LazyString] = {
    "case.viewed": _l("Opened the case"),
    "case.state": _l("Changed the state"),
    "case.reopened": _l("Reopened the case"),
    "case.exported": _l("Exported the case"),
    "case.denied": _l("Was refused access"),
    "case.purge_warned": _l("Handlers warned of the coming deletion"),
    "case.purged": _l("Content deleted at the end of the retention period"),
    "message.sent": _l("Sent a message to the reporter"),
    "note.added": _l("Added an internal note"),
    "attachment.downloaded": _l("Downloaded an attachment"),
    "assessment.recorded": _l("Recorded the assessment"),
    "assessment.revised": _l("Revised the assessment"),
    "decisions.recorded": _l("Recorded recommendations, referrals and outcome"),
    "employer_actions.recorded": _l("Recorded what the employer did"),
    "handoff.written": _l("Wrote a summary for the employer"),
    "handoff.revised": _l("Revised the summary for the employer"),
    "handoff.released": _l("Released the summary to the employer"),
    "handoff.printed": _l("Opened the summary for the employer to print it"),
    "handler.added": _l("Added a handler"),
    "handler.left": _l("Left the case"),
}

DEADLINES: dict[str, LazyString] = {
    "acknowledge": _l("Acknowledge"),
    "feedback": _l("Feedback"),
}

# The reporter's document (reporting/document.py, "trygg/report" v1): its fields in reading
# order, and its codes, in words for the handler.
REPORT_FIELDS: dict[str, LazyString] = {
    "about": _l("Who is writing"),
    "status": _l("The affected person's status at work"),
    "what": _l("What happened"),
    "when": _l("When"),
    "where": _l("Where and in what setting"),
    "concerns": _l("The person it concerns"),
    "before": _l("Has it happened before"),
    "witnesses": _l("Witnesses"),
    "consequences": _l("Consequences for the reporter"),
    "wants": _l("What the reporter wants"),
    "contact": _l("Contact details the reporter gave"),
    "contact_name": _l("Name"),
    "contact_reach": _l("How to reach them"),
    "contact_when": _l("When to reach them"),
}

REPORT_CODES: dict[str, dict[str, LazyString]] = {
    "about": {
        "self": _l("The person it happened to"),
        "saw": _l("A witness"),
        "on_behalf": _l("Someone writing on behalf of the person it happened to"),
    },
    "status": {
        "employee": _l("Employee"),
        "hired": _l("Hired from an agency (innleid)"),
        "freelancer": _l("Freelancer or self-employed"),
        "volunteer": _l("Volunteer"),
        "student": _l("Student or trainee"),
    },
    "period": {
        "ongoing": _l("It is still going on"),
        "last_week": _l("In the last week"),
        "last_month": _l("In the last month"),
        "last_6_months": _l("One to six months ago"),
        "last_year": _l("Six to twelve months ago"),
        "over_a_year": _l("More than a year ago"),
        "unsure": _l("The reporter is not sure"),
    },
    "settings": {
        "rehearsal": _l("Rehearsal"),
        "performance": _l("Performance, concert or shooting"),
        "tour": _l("On tour or travelling for work"),
        "party": _l("Party, premiere or other social event"),
        "online": _l("Online: messages, social media, video calls"),
        "workplace": _l("At the workplace: office, backstage, dressing room"),
        "teaching": _l("Teaching, course or workshop"),
        "audition": _l("Audition, casting or recruitment"),
        "other": _l("Somewhere else"),
    },
    "role": {
        "leader": _l("Someone who leads the reporter"),
        "commissioner": _l("The reporter's commissioner (oppdragsgiver), or someone acting for it"),
        "colleague": _l("A colleague or fellow artist"),
        "subordinate": _l("Someone the reporter leads or is responsible for"),
        "teacher": _l("A teacher, mentor or supervisor"),
        "board": _l("A board member or owner"),
        "external": _l("Someone from outside: audience, guest, customer, supplier"),
        "other": _l("Someone else"),
        "unsure": _l("The reporter would rather not say"),
    },
    "before": {
        "yes_me": _l("Yes, to the reporter"),
        "yes_others": _l("Yes, to others, as far as the reporter knows"),
        "no": _l("No, not as far as the reporter knows"),
        "unsure": _l("The reporter does not know"),
    },
    "wants": {
        "heard": _l("To be heard"),
        "advice": _l("Advice about what they can do"),
        "conversation": _l("A conversation with the safety representative"),
        "action": _l("That something is done about it"),
    },
}


def label(table: dict[str, LazyString], code: str) -> str:
    found = table.get(code)
    return str(found) if found is not None else code


# Issue 12's workflow actions (casework/workflow_labels.py) in the audit trail too.
from casework.workflow_labels import AUDIT_ACTIONS as _WORKFLOW_ACTIONS  # noqa: E402

AUDIT_ACTIONS.update(_WORKFLOW_ACTIONS)
