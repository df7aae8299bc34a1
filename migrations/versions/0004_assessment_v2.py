"""assessment model v2: kind, explicitness, prior, context, risk factors, minors, employer actions

Revision ID: 0004_assessment_v2
Revises: 0006_prevention
Create Date: 2026-11-29 22:10:00

Widens the CHECK constraints on the relation, aggravating and reaction codes to the v2
vocabulary (casework/vocabulary.py). Assessments saved under model version 1 keep their
values; their new columns are NULL (explicitness, prior) or the v1 meaning (kind, minors).
"""
from alembic import op
import sqlalchemy as sa


revision = "0004_assessment_v2"
down_revision = "0006_prevention"
branch_labels = None
depends_on = None


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


RELATION_V1 = ("peer", "subordinate", "external", "superior")
RELATION_V2 = ("peer", "subordinate", "external", "commissioner", "teacher_mentor", "superior")
AGGRAVATING_V1 = ("told_unwanted", "isolated_setting", "alcohol", "vulnerable_reporter",
                  "multiple_affected", "retaliation", "abuse_of_role")
AGGRAVATING_V2 = (*AGGRAVATING_V1, "employer_not_following_up")
REACTIONS_V1 = ("conversation", "documented_conversation", "written_warning", "change_of_roles",
                "end_collaboration", "dismissal", "removal", "ban", "employer_handoff",
                "consider_police_report", "follow_up_support", "retaliation_protection",
                "feedback_to_reporter", "documentation")
SANCTIONS = ("conversation", "documented_conversation", "written_warning", "training",
             "change_of_roles", "end_collaboration", "dismissal", "removal", "ban",
             "team_measures")
INTERIM = ("interim_separation", "suspension", "protective_measures")
REACTIONS_V2 = (*SANCTIONS, *INTERIM, "employer_handoff", "consider_police_report",
                "follow_up_support", "retaliation_protection", "feedback_to_reporter",
                "documentation", "retaliation_checkins")
EMPLOYER_ACTIONS = (*SANCTIONS, *INTERIM, "no_reaction")
KINDS = ("sexual_harassment", "other_harassment", "discrimination", "bullying",
         "other_misconduct")
EXPLICITNESS = ("ambiguous", "clearly_sexual", "explicit_or_degrading")
PRIOR = ("none", "earlier_report", "earlier_warning")
CONTEXT = ("intimate_work", "audition_casting", "teaching", "tour_overnight", "party_premiere",
           "online", "rehearsal_performance", "travel", "other_workplace")
RISK_FACTORS = ("freelance_assignment", "work_private_blur", "intimacy_as_tool", "fluid_roles",
                "informal_networks", "hierarchy_competition", "turnover", "alcohol",
                "charismatic_power", "boundary_pushing_art")


def _code_table(name, values):
    op.create_table(
        name,
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.CheckConstraint(_in("code", values), name=op.f(f"ck_{name}_code")),
        sa.ForeignKeyConstraint(["case_id"], ["assessment.case_id"],
                                name=op.f(f"fk_{name}_case_id_assessment"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "code", name=op.f(f"pk_{name}")),
    )


def _recheck(table, name, body):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f"ck_{table}_{name}"), type_="check")
        batch_op.create_check_constraint(batch_op.f(f"ck_{table}_{name}"), body)


def upgrade():
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=24),
                                      server_default="sexual_harassment", nullable=False))
        batch_op.add_column(sa.Column("explicitness", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("prior", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("minor_involved", sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.drop_constraint(batch_op.f("ck_assessment_relation"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_assessment_relation"),
                                         _in("relation", RELATION_V2))
        batch_op.create_check_constraint(batch_op.f("ck_assessment_kind"), _in("kind", KINDS))
        batch_op.create_check_constraint(batch_op.f("ck_assessment_explicitness"),
                                         _in("explicitness", EXPLICITNESS))
        batch_op.create_check_constraint(batch_op.f("ck_assessment_prior"), _in("prior", PRIOR))
    _recheck("assessment_aggravating", "code", _in("code", AGGRAVATING_V2))
    _recheck("case_reaction", "code", _in("code", REACTIONS_V2))
    _code_table("assessment_context", CONTEXT)
    _code_table("assessment_risk_factor", RISK_FACTORS)
    op.create_table(
        "employer_action",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.CheckConstraint(_in("code", EMPLOYER_ACTIONS), name=op.f("ck_employer_action_code")),
        sa.CheckConstraint(_in("source", ("written_answer", "meeting", "oral_answer")),
                           name=op.f("ck_employer_action_source")),
        sa.ForeignKeyConstraint(["case_id"], ["assessment.case_id"],
                                name=op.f("fk_employer_action_case_id_assessment"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "code", name=op.f("pk_employer_action")),
    )


def downgrade():
    # Rows that only the v2 vocabulary allows cannot go back into v1's constraints.
    op.drop_table("employer_action")
    op.drop_table("assessment_risk_factor")
    op.drop_table("assessment_context")
    op.execute(f"DELETE FROM case_reaction WHERE NOT ({_in('code', REACTIONS_V1)})")
    _recheck("case_reaction", "code", _in("code", REACTIONS_V1))
    op.execute(f"DELETE FROM assessment_aggravating WHERE NOT ({_in('code', AGGRAVATING_V1)})")
    _recheck("assessment_aggravating", "code", _in("code", AGGRAVATING_V1))
    op.execute(f"UPDATE assessment SET relation = 'superior' "
               f"WHERE NOT ({_in('relation', RELATION_V1)})")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_assessment_prior"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_assessment_explicitness"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_assessment_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_assessment_relation"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_assessment_relation"),
                                         _in("relation", RELATION_V1))
        batch_op.drop_column("minor_involved")
        batch_op.drop_column("prior")
        batch_op.drop_column("explicitness")
        batch_op.drop_column("kind")
