"""hardening (issue 10): two-person appointment, ended memberships, intake budget, audit head MAC, receipt replay window, staff
account recovery

Revision ID: 0003_hardening
Revises: 0002_deploy_fixes
Create Date: 2026-11-29 21:50:00

Existing handlers with a key are confirmed for that key on upgrade: they were appointed
before confirmation existed, and an upgrade must not stop reports reaching them.
"""
from alembic import op
import sqlalchemy as sa

import trygg.database  # noqa: F401 - custom column types used below


revision = '0003_hardening'
down_revision = '0002_deploy_fixes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backup_codes', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('totp_reset_hash', sa.LargeBinary(length=32), nullable=True))
        batch_op.add_column(sa.Column('totp_reset_expires', trygg.database.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_key', sa.LargeBinary(length=32), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', trygg.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ended_at', trygg.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_membership_confirmed_by_id_membership'), 'membership', ['confirmed_by_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_size', sa.BigInteger(), nullable=True))
    op.create_table('intake_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_intake_day_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_day')),
    sa.UniqueConstraint('organisation_id', 'day', name=op.f('uq_intake_day_organisation_id'))
    )
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', sa.LargeBinary(length=32), nullable=True))
    op.create_table('receipt_replay',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('fields_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('expires_at', trygg.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_replay')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_receipt_replay_key_hash'))
    )
    with op.batch_alter_table('receipt_replay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_replay_expires_at'), ['expires_at'], unique=False)
    op.execute(
        "UPDATE membership SET confirmed_key = (SELECT public_key FROM person "
        "WHERE person.id = membership.person_id), confirmed_at = created_at "
        "WHERE role = 'handler'"
    )


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('totp_reset_expires')
        batch_op.drop_column('totp_reset_hash')
        batch_op.drop_column('backup_codes')
    with op.batch_alter_table('receipt_replay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_replay_expires_at'))
    op.drop_table('receipt_replay')
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('mac')
    op.drop_table('intake_day')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('declared_size')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_membership_confirmed_by_id_membership'), type_='foreignkey')
        batch_op.drop_column('ended_at')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirmed_key')
