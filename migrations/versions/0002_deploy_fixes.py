"""deploy fixes: idempotency keys for thread items, the daily jobs' days done

Revision ID: 0002_deploy_fixes
Revises: 0004_assessment_v2
Create Date: 2026-11-29 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_deploy_fixes'
down_revision = '0004_assessment_v2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_run',
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('job', 'day', name=op.f('pk_job_run'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency', sa.LargeBinary(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_message_idempotency'), ['idempotency'])


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_message_idempotency'), type_='unique')
        batch_op.drop_column('idempotency')

    op.drop_table('job_run')
