"""Rules, routines, consequences, standpoint: validation, publishing and inheritance."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from prevention import consequences_for, documents, productions
from prevention.errors import Invalid
from prevention.vocabulary import REQUIRED_ROUTINE_SECTIONS

TODAY = date(2026, 11, 29)
FULL = {"encourage": "Si fra!", "how_to_report": "Via /r/prev-org eller til verneombudet.",
        "handling": "Verneombudet svarer innen sju dager; arbeidsgiver følger opp."}


def _production(session: Session, org: Any, **kw: Any) -> Any:
    values = {"name": "Peer Gynt", "kind": "stage", "starts_on": TODAY,
              "ends_on": TODAY + timedelta(days=60), "has_minors": False,
              "has_intimate_work": True, "contacts": ""}
    values.update(kw)
    return productions.save_production(session, org, None, **values)


def _routines(session: Session, org: Any, production: Any = None, **sections: str) -> Any:
    doc = documents.draft(session, org, production, "routines")
    documents.set_sections(doc, sections, tuple(documents.ROUTINE_SECTIONS))
    documents.record_agreement(doc, agreed_on=TODAY, forum="amu",
                               participants={"employees": 8, "representatives": 2})
    doc.with_representatives = True
    return doc


@pytest.mark.parametrize("missing", REQUIRED_ROUTINE_SECTIONS)
def test_routines_missing_a_required_part_are_not_published(
        db_session: Session, org: Any, missing: str) -> None:
    doc = _routines(db_session, org, **{k: v for k, v in FULL.items() if k != missing})
    with pytest.raises(Invalid) as caught:
        documents.publish(db_session, doc, TODAY)
    assert caught.value.field == missing
    assert doc.published_on is None
    assert documents.published(db_session, org, None, "routines") is None


def test_routines_need_the_record_that_employees_took_part(db_session: Session,
                                                           org: Any) -> None:
    doc = _routines(db_session, org, **FULL)
    doc.with_representatives = False
    with pytest.raises(Invalid) as caught:
        documents.publish(db_session, doc, TODAY)
    assert caught.value.field == "with_representatives"


def test_complete_routines_publish_and_editing_starts_a_new_version(db_session: Session,
                                                                    org: Any) -> None:
    doc = _routines(db_session, org, **FULL)
    documents.publish(db_session, doc, TODAY)
    assert documents.published(db_session, org, None, "routines") is doc
    nxt = documents.draft(db_session, org, None, "routines")
    assert nxt is not doc and nxt.version == 2 and nxt.content == doc.content
    nxt.content = {**nxt.content, "encourage": "Endret"}
    assert documents.published(db_session, org, None, "routines").content["encourage"] == (
        "Si fra!")


def test_a_production_inherits_the_organisations_routines_and_adds_its_own(
        db_session: Session, org: Any) -> None:
    documents.publish(db_session, _routines(db_session, org, **FULL), TODAY)
    production = _production(db_session, org)
    own = _routines(db_session, org, production,
                    non_employees="Frilansere kontakter produsent Kari, 900 00 000.")
    documents.publish(db_session, own, TODAY)  # a–c come from the organisation
    shown = documents.published_for(db_session, org, production)
    assert shown.routines["encourage"] == "Si fra!"
    assert "Kari" in shown.routines["non_employees"]
    assert "non_employees" not in documents.published_for(db_session, org, None).routines


def test_a_production_without_organisation_routines_must_fill_a_to_c(db_session: Session,
                                                                     org: Any) -> None:
    production = _production(db_session, org)
    doc = _routines(db_session, org, production, encourage="Si fra!")
    with pytest.raises(Invalid) as caught:
        documents.publish(db_session, doc, TODAY)
    assert caught.value.detail["missing"] == ["how_to_report", "handling"]


def test_a_rule_without_text_is_refused(db_session: Session, org: Any) -> None:
    doc = documents.draft(db_session, org, None, "rules")
    for text in ("", "   "):
        with pytest.raises(Invalid) as caught:
            documents.add_rule(doc, "nicknames", text)
        assert caught.value.field == "text"
    assert doc.content == {"items": []}


def test_rules_publish_with_their_adoption_and_productions_add_their_own(
        db_session: Session, org: Any) -> None:
    doc = documents.draft(db_session, org, None, "rules")
    documents.add_rule(doc, "nicknames", "Vi bruker ikke kallenavn om kropp.")
    with pytest.raises(Invalid):  # not adopted yet
        documents.publish(db_session, doc, TODAY)
    documents.record_agreement(doc, agreed_on=TODAY, forum="staff_meeting",
                               participants={"employees": 12, "freelancers": 4})
    documents.publish(db_session, doc, TODAY)
    assert doc.participant_total == 16
    production = _production(db_session, org)
    own = documents.draft(db_session, org, production, "rules")
    documents.add_rule(own, "closeness", "Intime scener koreograferes på forhånd.")
    documents.record_agreement(own, agreed_on=TODAY, forum="startup_meeting",
                               participants={"freelancers": 9})
    documents.publish(db_session, own, TODAY)
    shown = documents.published_for(db_session, org, production)
    assert [scope for scope, _d in shown.rules] == ["organisation", "production"]
    assert [scope for scope, _d in documents.published_for(db_session, org).rules] == [
        "organisation"]


def test_participant_counts_out_of_range_are_refused(db_session: Session, org: Any) -> None:
    doc = documents.draft(db_session, org, None, "rules")
    for bad in ({"employees": -1}, {"employees": 10_001}, {"names": 3}):
        with pytest.raises(Invalid):
            documents.record_agreement(doc, agreed_on=TODAY, forum="amu", participants=bad)
    assert doc.participants == {}


def test_consequences_for_a_reaction_code(db_session: Session, org: Any) -> None:
    assert consequences_for(org.id, "written_warning", session=db_session) == []
    doc = documents.draft(db_session, org, None, "consequences")
    documents.set_sections(doc, {"written_warning": "Gjentatte kommentarer om kropp\n- Klaps"},
                           documents.REACTIONS)
    documents.publish(db_session, doc, TODAY)
    assert consequences_for(org.id, "written_warning", session=db_session) == [
        "Gjentatte kommentarer om kropp", "Klaps"]
    assert consequences_for(org.id, "dismissal", session=db_session) == []
    assert consequences_for(org.id, "no_such_code", session=db_session) == []
    production = _production(db_session, org)
    own = documents.draft(db_session, org, production, "consequences")
    documents.set_sections(own, {"written_warning": "Brudd på intimavtalen"},
                           documents.REACTIONS)
    documents.publish(db_session, own, TODAY)
    assert consequences_for(org.id, "written_warning", production.id, session=db_session)[
        -1] == "Brudd på intimavtalen"


def test_the_standpoint_needs_a_leader_signature_and_is_due_yearly(db_session: Session,
                                                                   org: Any) -> None:
    doc = documents.draft(db_session, org, None, "standpoint")
    documents.set_text(doc, "Vi tolererer ikke trakassering.")
    with pytest.raises(Invalid):
        documents.publish(db_session, doc, TODAY)
    documents.sign_standpoint(doc, name="Lise Leder", title="Daglig leder", on=TODAY)
    documents.publish(db_session, doc, TODAY)
    assert not documents.standpoint_due(doc, TODAY + timedelta(days=364))
    assert documents.standpoint_due(doc, TODAY + timedelta(days=365))


def test_a_production_that_ends_before_it_starts_is_refused(db_session: Session,
                                                            org: Any) -> None:
    with pytest.raises(Invalid) as caught:
        _production(db_session, org, ends_on=TODAY - timedelta(days=1))
    assert (caught.value.field, caught.value.reason) == ("ends_on", "before_start")
    assert productions.productions(db_session, org) == []


def test_mapping_relevance_out_of_range_is_refused(db_session: Session, org: Any) -> None:
    mapping = productions.start_mapping(db_session, org, None, TODAY)
    assert len(mapping.factors) == 10
    factor = mapping.factors[0]
    with pytest.raises(Invalid):
        productions.update_factor(factor, relevance=4, situations=[], existing_measures="",
                                  proposed_rules="", proposed_routines="", owner="",
                                  due_on=None)
    assert factor.relevance == 0
    custom = productions.add_custom_factor(db_session, mapping, "Barn og unge på scenen")
    assert custom.code == "custom:barn-og-unge-pa-scenen"
    with pytest.raises(Invalid):
        productions.add_custom_factor(db_session, mapping, "Barn og unge på scenen")
