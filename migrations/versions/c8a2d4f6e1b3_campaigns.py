"""Campaigns and their fixed audiences

Revision ID: c8a2d4f6e1b3
Revises: b1c4e8a2f0d6
Create Date: 2026-11-28 23:36:33.964643

"""
from alembic import op
import sqlalchemy as sa

import oncord.encryption  # noqa: F401 (custom column types)
import oncord.timestamps  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c8a2d4f6e1b3'
down_revision = 'b1c4e8a2f0d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=True),
    sa.Column('preheader', sa.String(length=255), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('send_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paused_reason', sa.Text(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('audience_size', sa.Integer(), nullable=True),
    sa.Column('started_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_campaigns_created_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index('ix_campaigns_status_send_at', ['status', 'send_at'], unique=False)

    op.create_table('campaign_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('updated_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_recipients_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_campaign_recipients_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_campaign_recipients_message_id_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_recipients')),
    sa.UniqueConstraint('campaign_id', 'contact_id', name='uq_campaign_recipients_campaign_contact')
    )
    with op.batch_alter_table('campaign_recipients', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_recipients_campaign_state_id', ['campaign_id', 'state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_recipients_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_recipients_message_id'), ['message_id'], unique=False)



def downgrade():
    with op.batch_alter_table('campaign_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_recipients_message_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_recipients_contact_id'))
        batch_op.drop_index('ix_campaign_recipients_campaign_state_id')

    op.drop_table('campaign_recipients')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index('ix_campaigns_status_send_at')

    op.drop_table('campaigns')
