"""Words for the seriousness model's reasons, notices and recommendations (casework.seriousness).

Kept apart from casework.labels to keep modules small; casework.labels re-exports them for
the templates.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

REASON_TEXT: dict[str, LazyString] = {
    "nature:nonverbal": _l("Non-verbal harassment (looks, gestures, images)"),
    "nature:digital": _l("Sexual content sent digitally"),
    "nature:physical": _l("Physical contact (at least medium)"),
    "nature:sexual_assault": _l("Sexual assault (always critical)"),
    "explicitness:clearly_sexual": _l("It was clearly sexual"),
    "explicitness:explicit_or_degrading": _l(
        "It was explicit, intrusive or degrading (at least medium)"),
    "frequency:repeated": _l("It happened more than once"),
    "frequency:systematic": _l("It is systematic (at least serious)"),
    "power:some": _l("The person has some say over the affected person's work"),
    "power:strong": _l("The person decides over the affected person's work or career"),
    "consequences:discomfort": _l("It caused discomfort"),
    "consequences:impaired_work": _l("It made it harder for the affected person to work"),
    "consequences:health": _l("It harmed the affected person's health (at least serious)"),
    "consequences:severe": _l("It had severe consequences (at least very serious)"),
    "prior:earlier_report": _l("There is an earlier report about the same person"),
    "prior:earlier_warning": _l(
        "The person has been warned before, or an earlier case was substantiated "
        "(at least serious)"),
    "context:intimate_work": _l("It happened in intimate or close physical work"),
    "context:audition_casting": _l("It happened at an audition or casting"),
    "context:teaching": _l("It happened in teaching or supervision"),
    "aggravating:told_unwanted": _l("The person had been told it was unwanted"),
    "aggravating:isolated_setting": _l("It happened where the affected person was alone"),
    "aggravating:alcohol": _l("Alcohol was involved"),
    "aggravating:vulnerable_reporter": _l("The affected person is in an exposed position"),
    "aggravating:multiple_affected": _l("More than one person was affected"),
    "aggravating:retaliation": _l(
        "There has been retaliation (arbeidsmiljøloven § 2A-4, likestillings- og "
        "diskrimineringsloven § 14; at least serious)"),
    "aggravating:abuse_of_role": _l("The person misused a role, for example in intimate scenes"),
    "aggravating:employer_not_following_up": _l("The employer knew and did not follow up"),
    "criminal:true": _l("It may be a criminal offence (at least serious)"),
    "minor_involved:true": _l("Someone under 18 was affected (at least very serious)"),
    "not_higher:once": _l("Not higher: as far as is known, it happened once"),
    "not_higher:consequences": _l(
        "Not higher: no harm to work or health is known yet; raise it if that changes"),
    "not_higher:prior": _l("Not higher: no earlier report or warning about the person is known"),
    "not_higher:power": _l("Not higher: the person has no power over the affected person"),
    "not_higher:criminal": _l("Not higher: it is not marked as a possible criminal offence"),
    "not_higher:not_systematic": _l("Not higher: it is repeated, but not known to be systematic"),
    "not_higher:no_health_harm": _l(
        "Not higher: it has affected work, but no harm to health is known yet"),
    "not_higher:no_warning": _l(
        "Not higher: an earlier report is known, but no earlier warning to the person"),
    "not_higher:some_power": _l(
        "Not higher: the person has some, not strong, say over the affected person's work"),
    "not_higher:sum": _l(
        "Not higher: the recorded facts together do not reach the next level"),
}

NOTICES: dict[str, LazyString] = {
    "duty_to_avert": _l(
        "Duty to avert (straffeloven § 196): if a serious offence such as rape, or abuse of a "
        "child, is going on or about to happen, anyone, you included, must try to avert it, by "
        "telling the police or otherwise, whatever the person affected wishes."),
    "child_protection": _l(
        "Someone under 18 was affected: the employer and those who work with children may have a "
        "duty to tell the child protection service (barnevernet). Involve the parents or "
        "guardians unless that puts the child at risk, and get advice first."),
    "police_without_consent": _l(
        "As a rule, a police report is considered together with the person affected. But once the "
        "police know of a serious sexual offence, they can investigate without that person's "
        "consent: say so honestly before anyone contacts them."),
    "bistandsadvokat": _l(
        "The person affected can get a free lawyer (bistandsadvokat) before deciding whether to "
        "report it to the police; the overgrepsmottak can help find one."),
    "consider_penal_code": _l(
        "Explicit or degrading remarks, and unwanted sexual pictures, may also be sexually "
        "offensive conduct under straffeloven chapter 26: consider whether it may be a criminal "
        "offence."),
    "hear_the_accused": _l(
        "The person the report is about has the right to know what is said and to give their "
        "side before the employer decides anything (kontradiksjon). These are recommendations, "
        "not decisions."),
}

# Why a recommendation is on the list (shown beside it on the case page).
REACTION_WHY: dict[str, LazyString] = {
    "conversation": _l("The mildest step that still makes clear the conduct must stop."),
    "documented_conversation": _l("Written down, so that a repetition can be met more firmly."),
    "written_warning": _l("The usual step for serious conduct by an employee, or after a "
                          "documented conversation; never for a sexual assault."),
    "training": _l("Helps the person understand where the limits are."),
    "change_of_roles": _l("Takes away the power or the contact that made it possible."),
    "end_collaboration": _l("For conduct so serious that working together is not justifiable."),
    "dismissal": _l("For the most serious cases, after the employer's investigation and a "
                    "meeting with the person (aml chapter 15)."),
    "removal": _l("The organisation cannot warn an outsider, but it can send them away."),
    "ban": _l("Keeps the outsider away from staff in the future."),
    "team_measures": _l("More than one person was affected, or it is systematic: the "
                        "culture needs attention too."),
}
