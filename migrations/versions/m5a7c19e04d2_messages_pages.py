"""Marketing > Messages: keyset indexes, and who checked an uncertain message

Revision ID: m5a7c19e04d2
Revises: f3a91c07d2e6
Create Date: 2026-11-28 21:05:00

"""
from alembic import op
import sqlalchemy as sa

import oncord.timestamps  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'm5a7c19e04d2'
down_revision = 'f3a91c07d2e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_by_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_messages_checked_by_user_id_users'), 'users',
                                    ['checked_by_user_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_messages_created_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_messages_status_created_id', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_messages_contact_created_id', ['contact_id', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_contact_created_id')
        batch_op.drop_index('ix_messages_status_created_id')
        batch_op.drop_index('ix_messages_created_id')
        batch_op.drop_constraint(batch_op.f('fk_messages_checked_by_user_id_users'), type_='foreignkey')
        batch_op.drop_column('checked_by_user_id')
        batch_op.drop_column('checked_at')
