"""Sync run checkpoints: a pull resumes where it stopped, in bounded slices

Revision ID: e1a4c9d2f7
Revises: m2a4c8e1f3b7
Create Date: 2026-11-28 20:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e1a4c9d2f7'
down_revision = 'm2a4c8e1f3b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_runs') as batch:
        batch.add_column(sa.Column('checkpoint', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('slices', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('sync_runs') as batch:
        batch.drop_column('slices')
        batch.drop_column('checkpoint')
