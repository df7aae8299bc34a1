"""exercise sessions for one production

Revision ID: 0009_exercise_production
Revises: 0008_workflow
Create Date: 2026-11-29 23:40:00

A session may belong to one of prevention's productions: its rule proposals then go to that
production's draft rules.
"""
from alembic import op
import sqlalchemy as sa


revision = "0009_exercise_production"
down_revision = "0008_workflow"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("exercise_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("production_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_exercise_session_production_id"),
                              ["production_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_exercise_session_production_id_prevention_production"),
            "prevention_production", ["production_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("exercise_session", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_exercise_session_production_id_prevention_production"),
            type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_exercise_session_production_id"))
        batch_op.drop_column("production_id")
