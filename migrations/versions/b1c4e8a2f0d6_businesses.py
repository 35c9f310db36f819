"""Cliniko businesses (the clinic's locations)

Revision ID: b1c4e8a2f0d6
Revises: b43d7e91a2
Create Date: 2026-11-28 22:05:00

"""
from alembic import op
import sqlalchemy as sa

import oncord.timestamps  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'b1c4e8a2f0d6'
down_revision = 'b43d7e91a2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('businesses',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('city', sa.String(length=255), nullable=True),
    sa.Column('archived_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_businesses'))
    )


def downgrade():
    op.drop_table('businesses')
