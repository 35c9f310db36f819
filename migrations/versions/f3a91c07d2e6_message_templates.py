"""Message templates (email and SMS, with merge fields)

Revision ID: f3a91c07d2e6
Revises: f0a7c3e91b52
Create Date: 2026-11-28 20:55:00

"""
from alembic import op
import sqlalchemy as sa

import oncord.timestamps  # noqa: F401

# revision identifiers, used by Alembic.
revision = 'f3a91c07d2e6'
down_revision = "f0a7c3e91b52"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('preheader', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_message_templates_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_message_templates_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_templates'))
    )


def downgrade():
    op.drop_table('message_templates')
