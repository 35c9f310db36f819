"""Inbound SMS: replies from patients, with "may want to cancel" notices for staff

Revision ID: m2a4c8e1f3b7
Revises: m5a7c19e04d2
Create Date: 2026-11-28 21:10:00

"""
from alembic import op
import sqlalchemy as sa

import oncord.timestamps  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'm2a4c8e1f3b7'
down_revision = 'm5a7c19e04d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_sms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_sid', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('from_number', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('keyword', sa.String(length=16), nullable=True),
    sa.Column('may_cancel', sa.Boolean(), nullable=False),
    sa.Column('received_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inbound_sms', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_sms_open', ['may_cancel', 'done_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_sms_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_sms_message_sid'), ['message_sid'], unique=False)


def downgrade():
    with op.batch_alter_table('inbound_sms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_sms_message_sid'))
        batch_op.drop_index(batch_op.f('ix_inbound_sms_contact_id'))
        batch_op.drop_index('ix_inbound_sms_open')
    op.drop_table('inbound_sms')
