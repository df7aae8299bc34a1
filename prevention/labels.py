"""Words for prevention's codes (Norwegian first through the catalogues)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

FACTORS: dict[str, LazyString] = {
    "freelance_assignment": _l("Freelance and assignment work"),
    "work_private_blur": _l("Blurred lines between work and private life"),
    "intimacy_as_tool": _l("Intimacy as a working tool"),
    "fluid_roles": _l("Fluid roles"),
    "informal_networks": _l("Informal networks"),
    "hierarchy_competition": _l("Hierarchy and competition"),
    "turnover": _l("High turnover"),
    "alcohol": _l("Alcohol"),
    "charismatic_power": _l("Charismatic power"),
    "boundary_pushing_art": _l("Boundary-pushing art"),
}
RELEVANCE = {0: _l("Not relevant"), 1: _l("A little"), 2: _l("Somewhat"), 3: _l("Very")}
SITUATIONS = {
    "rehearsal_performance": _l("Rehearsal or performance"),
    "tour_overnight": _l("Tour and overnight stays"),
    "party_premiere": _l("Parties and premieres"),
    "audition_casting": _l("Auditions and casting"),
    "teaching": _l("Teaching"),
    "online": _l("Online and in messages"),
    "travel": _l("Travel"),
    "intimate_work": _l("Intimate scenes"),
    "dressing_room": _l("Dressing rooms"),
}
KINDS = {
    "stage": _l("Stage production"), "tour": _l("Tour"), "film": _l("Film or TV shoot"),
    "concert": _l("Concert"), "exhibition": _l("Exhibition"), "festival": _l("Festival"),
    "other": _l("Other"),
}
QUESTIONS = {
    "appearance": _l("Is it OK to comment on someone's appearance?"),
    "bodies": _l("Is it OK to comment on other people's bodies?"),
    "sex_talk": _l("Is it OK to talk about sex?"),
    "nicknames": _l("Which nicknames are OK, and which are not?"),
    "closeness": _l("What kind of closeness is OK, and what is uncomfortable?"),
    "transgressions": _l("What do we consider clear transgressions?"),
    "other": _l("Other rules"),
}
SECTIONS = {
    "encourage": _l("a) We want you to speak up"),
    "how_to_report": _l("b) How and to whom you can report"),
    "handling": _l("c) How the employer receives, handles and follows up a report"),
    "retaliation": _l("Protection against retaliation"),
    "confidentiality": _l("Confidentiality"),
    "heard": _l("How the person the report is about is heard"),
    "leader_involved": _l("If a leader is involved"),
    "non_employees": _l("Freelancers, volunteers and students"),
}
SECTION_HINTS = {
    "encourage": _l("Required (arbeidsmiljøloven § 2A-6 (4) a)."),
    "how_to_report": _l("Required (§ 2A-6 (4) b). Name this reporting page, the safety "
                        "representative or contact person, a leader and outside channels."),
    "handling": _l("Required (§ 2A-6 (4) c). Who receives, how quickly, and how the reporter "
                   "hears back."),
    "retaliation": _l("Employees and hired staff are protected by arbeidsmiljøloven § 2A-4; "
                      "everyone, freelancers and volunteers included, by likestillings- og "
                      "diskrimineringsloven § 14."),
    "confidentiality": _l("Who gets to know what, and that the reporter's identity is "
                          "protected."),
    "heard": _l("The person the report is about has a right to give their side before the "
                "employer decides anything."),
    "leader_involved": _l("For example: the chair of the board takes over."),
    "non_employees": _l("Whom they contact, when a safety representative represents "
                        "employees only."),
}
REACTIONS = {
    "conversation": _l("Conversation"),
    "documented_conversation": _l("Documented conversation"),
    "written_warning": _l("Written warning"),
    "training": _l("Training"),
    "change_of_roles": _l("Loss of responsibility or a change of roles"),
    "end_collaboration": _l("End of collaboration, for a period or for good"),
    "dismissal": _l("Dismissal (employees) or ending the assignment"),
    "removal": _l("Removal (audience, guests)"),
    "ban": _l("Ban (audience, guests)"),
    "team_measures": _l("Measures for the whole team"),
}
KIND_NAMES = {
    "rules": _l("Rules"), "routines": _l("Routines"), "consequences": _l("Consequences"),
    "standpoint": _l("Standpoint"), "clause": _l("Contract clause"),
}
FORUMS = {
    "staff_meeting": _l("Staff meeting"), "startup_meeting": _l("Start-up meeting"),
    "amu": _l("Working environment committee (AMU)"), "workshop": _l("Workshop"),
    "board": _l("Board meeting"), "other": _l("Other meeting"),
}
PARTICIPANT_ROLES = {
    "employees": _l("Employees"), "freelancers": _l("Freelancers"),
    "volunteers": _l("Volunteers"), "students": _l("Students"),
    "representatives": _l("Union or safety representatives"),
}
CHANNELS = {
    "startup_meeting": _l("Start-up meeting"), "staff_meeting": _l("Staff meeting"),
    "contract": _l("In contracts"), "poster": _l("Poster"), "email": _l("E-mail"),
    "intranet": _l("Intranet"),
}
ARTEFACTS = {
    "rules": _l("Rules"), "routines": _l("Routines"), "consequences": _l("Consequences"),
    "standpoint": _l("Standpoint"), "link": _l("The reporting link"),
}
OCCASIONS = {
    "production_start": _l("Production start"), "halfway": _l("Halfway through"),
    "appraisal": _l("Appraisal talks"), "staff_meeting": _l("Staff meeting"),
    "workshop": _l("Workshop"), "course": _l("Balansekunst course"),
}
TOPICS = {
    "boundaries": _l("Boundaries"), "rules": _l("Rules"), "routines": _l("Routines"),
    "risk_factors": _l("Risk factors"), "domination_techniques": _l("Domination techniques"),
    "norm_criticism": _l("Norm criticism"), "representation": _l("Representation"),
}
STEPS = {
    "course": _l("1 Course"), "mapping": _l("2 Risk mapping"), "measures": _l("3 Measures"),
    "mark": _l("4 The mark"),
}


def factor(code: str, custom_label: str = "") -> str:
    if code in FACTORS:
        return str(FACTORS[code])
    return custom_label or code.removeprefix("custom:")


def install(jinja_globals: dict[str, object]) -> None:
    jinja_globals["prevention_labels"] = {
        "factors": FACTORS, "relevance": RELEVANCE, "situations": SITUATIONS, "kinds": KINDS,
        "questions": QUESTIONS, "sections": SECTIONS, "section_hints": SECTION_HINTS,
        "reactions": REACTIONS, "kind_names": KIND_NAMES, "forums": FORUMS,
        "participant_roles": PARTICIPANT_ROLES, "channels": CHANNELS, "artefacts": ARTEFACTS,
        "occasions": OCCASIONS, "topics": TOPICS, "steps": STEPS,
    }
    jinja_globals["prevention_factor"] = factor
