"""A plausible prevention history for the demo organisation (development only), created
once: a mapping, published rules, routines, consequences, a signed standpoint, a contract
clause, a production with its own rules and contacts, logs and Balansemerket steps."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Organisation
from prevention import documents, productions, progress
from prevention.models import Document


def seed(session: Session, org: Organisation, today: date) -> None:
    if session.scalar(select(Document.id).where(Document.organisation_id == org.id)):
        return  # already seeded (idempotent)
    start = today - timedelta(days=300)
    mapping = productions.start_mapping(session, org, None, start)
    relevance = {"freelance_assignment": 3, "intimacy_as_tool": 2, "alcohol": 2,
                 "hierarchy_competition": 2, "turnover": 1, "charismatic_power": 1}
    for factor in mapping.factors:
        productions.update_factor(
            factor, relevance=relevance.get(factor.code, 0),
            situations=["party_premiere"] if factor.code == "alcohol" else [],
            existing_measures="Premierefester slutter kl. 01." if factor.code == "alcohol"
            else "", proposed_rules="", proposed_routines="",
            owner="HMS-koordinator" if factor.code in relevance else "",
            due_on=start + timedelta(days=90) if factor.code in relevance else None)
    productions.agree_mapping(mapping, agreed_on=start + timedelta(days=7), forum="amu",
                              participants={"employees": 14, "freelancers": 5,
                                            "representatives": 2}, today=today)
    agreed = start + timedelta(days=30)
    rules = documents.draft(session, org, None, "rules")
    for question, text in (
        ("appearance", "Vi kommenterer arbeidet, ikke utseendet til hverandre."),
        ("nicknames", "Vi bruker navn, ikke kallenavn som handler om kropp eller kjønn."),
        ("closeness", "Fysisk kontakt i scener avtales på forhånd og kan alltid stoppes."),
        ("transgressions", "Å ta på noen som ikke vil, er alltid et klart overtramp."),
    ):
        documents.add_rule(rules, question, text)
    documents.record_agreement(rules, agreed_on=agreed, forum="staff_meeting",
                               participants={"employees": 18, "freelancers": 6})
    documents.publish(session, rules, agreed)
    routines = documents.draft(session, org, None, "routines")
    documents.set_sections(routines, {
        "encourage": "Si fra om du opplever eller ser noe som ikke er greit – også små ting.",
        "how_to_report": "Skriv på meldesiden (anonymt om du vil), eller snakk med "
                         "verneombudet Vera eller daglig leder.",
        "handling": "Verneombudet bekrefter innen sju dager. Arbeidsgiveren undersøker, "
                    "hører begge parter og gir tilbakemelding innen tre måneder.",
        "retaliation": "Ingen skal straffes for å si fra (aml. § 2A-4, LDL § 14).",
        "leader_involved": "Gjelder meldingen daglig leder, tar styrelederen over.",
        "non_employees": "Frilansere og frivillige kan bruke meldesiden eller kontakte "
                         "vår eksterne rådgiver.",
    }, documents.ROUTINE_SECTIONS)
    routines.with_representatives = True
    documents.record_agreement(routines, agreed_on=agreed, forum="amu",
                               participants={"employees": 6, "representatives": 2})
    documents.publish(session, routines, agreed)
    consequences = documents.draft(session, org, None, "consequences")
    documents.set_sections(consequences, {
        "conversation": "Upassende vitser eller kommentarer første gang.",
        "written_warning": "Gjentatte kommentarer om kropp etter en samtale.",
        "change_of_roles": "En instruktør som presser på i intime scener.",
        "end_collaboration": "Grov eller gjentatt trakassering av en frilanser.",
        "removal": "Publikum som tar på eller forfølger medvirkende.",
    }, documents.REACTIONS)
    documents.record_agreement(consequences, agreed_on=agreed, forum="staff_meeting",
                               participants={"employees": 18})
    documents.publish(session, consequences, agreed)
    standpoint = documents.draft(session, org, None, "standpoint")
    documents.set_text(standpoint, org.standpoint or "Vi tolererer ikke trakassering.")
    documents.sign_standpoint(standpoint, name="Lise Leder", title="Daglig leder", on=agreed)
    documents.publish(session, standpoint, agreed)
    production = productions.save_production(
        session, org, None, name="Et dukkehjem", kind="stage",
        starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=70),
        has_minors=False, has_intimate_work=True,
        contacts="Produsent Pål, 900 00 000 (også for frilansere og studenter)")
    own = documents.draft(session, org, production, "rules")
    documents.add_rule(own, "closeness", "Intime scener koreograferes med intimkoordinator.")
    documents.record_agreement(own, agreed_on=production.starts_on, forum="startup_meeting",
                               participants={"employees": 4, "freelancers": 9})
    documents.publish(session, own, production.starts_on)
    for scope in (None, production):
        productions.log_made_known(session, org, scope, on=production.starts_on,
                                   channel="startup_meeting",
                                   artefacts=["rules", "routines", "link"], audience=13,
                                   today=today)
    productions.log_talk(session, org, production, on=production.starts_on,
                         occasion="production_start", topics=["boundaries", "rules"],
                         participants=13, today=today)
    productions.log_talk(session, org, None, on=start + timedelta(days=3), occasion="course",
                         topics=["norm_criticism", "domination_techniques"], participants=11,
                         today=today)
    progress.record_step(session, org, "course", start + timedelta(days=3))
    progress.record_step(session, org, "mapping", start + timedelta(days=7))
    session.flush()
