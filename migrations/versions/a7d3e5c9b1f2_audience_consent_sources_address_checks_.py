"""Audience: consent sources, address checks, indexes

Revision ID: a7d3e5c9b1f2
Revises: c8a2d4f6e1b3
Create Date: 2026-11-28 23:43:41.136451

"""
from alembic import op
import sqlalchemy as sa

import oncord.encryption  # noqa: F401 (custom column types)
import oncord.timestamps  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'a7d3e5c9b1f2'
down_revision = 'c8a2d4f6e1b3'
branch_labels = None
depends_on = None


# Each status's source is that of the newest consent-ledger row for the channel.
BACKFILL = [
    f"UPDATE contacts SET {channel}_consent_source = ("
    "SELECT cc.source FROM consent_changes cc WHERE cc.contact_id = contacts.id "
    f"AND cc.channel = '{channel}' ORDER BY cc.created_at DESC, cc.id DESC LIMIT 1)"
    for channel in ("email", "sms")
]


def upgrade():
    op.create_table('address_checks',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('key_tag', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('sms_capable', sa.Boolean(), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('kind', 'key_tag', 'address', name=op.f('pk_address_checks'))
    )
    with op.batch_alter_table('address_checks', schema=None) as batch_op:
        batch_op.create_index('ix_address_checks_hash', ['hash'], unique=False)
        batch_op.create_index('ix_address_checks_kind_sms_capable', ['kind', 'sms_capable'], unique=False)

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_kept_contact_starts', ['contact_id', 'starts_at'], unique=False, postgresql_where=sa.text('cancelled_at IS NULL AND archived_at IS NULL'), sqlite_where=sa.text('cancelled_at IS NULL AND archived_at IS NULL'))
        batch_op.create_index('ix_appointments_kept_starts_contact', ['starts_at', 'contact_id'], unique=False, postgresql_where=sa.text('cancelled_at IS NULL AND archived_at IS NULL'), sqlite_where=sa.text('cancelled_at IS NULL AND archived_at IS NULL'))

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_consent_source', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('sms_consent_source', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_contacts_updated_at', ['updated_at'], unique=False)

    for statement in BACKFILL:
        op.execute(sa.text(statement))


def downgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_updated_at')
        batch_op.drop_column('sms_consent_source')
        batch_op.drop_column('email_consent_source')

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_kept_starts_contact', postgresql_where=sa.text('cancelled_at IS NULL AND archived_at IS NULL'), sqlite_where=sa.text('cancelled_at IS NULL AND archived_at IS NULL'))
        batch_op.drop_index('ix_appointments_kept_contact_starts', postgresql_where=sa.text('cancelled_at IS NULL AND archived_at IS NULL'), sqlite_where=sa.text('cancelled_at IS NULL AND archived_at IS NULL'))

    with op.batch_alter_table('address_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_address_checks_kind_sms_capable')
        batch_op.drop_index('ix_address_checks_hash')

    op.drop_table('address_checks')
