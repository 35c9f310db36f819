"""Server-side browser sessions, so signing out ends the session and its remember cookie

Sessions created before this migration carried no session token and stop working:
everyone signs in once more after the upgrade.

Revision ID: e85b3d9a1c
Revises: e51195ddc8
Create Date: 2026-11-28 20:40:00

"""
from alembic import op
import sqlalchemy as sa

import oncord.timestamps  # noqa: F401

# revision identifiers, used by Alembic.
revision = 'e85b3d9a1c'
down_revision = 'e51195ddc8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
