"""Automations can be deleted: a deleted_at time, so the run log and messages are kept

Revision ID: b43d7e91a2
Revises: a0b7e4c2d91f
Create Date: 2026-11-28 22:05:00

"""
from alembic import op
import sqlalchemy as sa

import oncord.timestamps  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'b43d7e91a2'
down_revision = 'a0b7e4c2d91f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('automations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('automations', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
