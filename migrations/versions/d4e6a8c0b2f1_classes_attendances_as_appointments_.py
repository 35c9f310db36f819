"""classes: attendances as appointments, group appointments, booking kinds

Revision ID: d4e6a8c0b2f1
Revises: a7d3e5c9b1f2
Create Date: 2026-11-28 23:43:03.954473

"""
from alembic import op
import sqlalchemy as sa

import oncord.encryption  # noqa: F401 (custom column types)
import oncord.timestamps  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'd4e6a8c0b2f1'
down_revision = 'a7d3e5c9b1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('group_appointments',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('appointment_type_id', sa.BigInteger(), nullable=True),
    sa.Column('practitioner_id', sa.BigInteger(), nullable=True),
    sa.Column('business_id', sa.BigInteger(), nullable=True),
    sa.Column('starts_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True),
    sa.Column('max_attendees', sa.Integer(), nullable=True),
    sa.Column('archived_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cliniko_updated_at', oncord.timestamps.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_appointments'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='individual', nullable=False))
        batch_op.add_column(sa.Column('group_appointment_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('attendee_id', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_appointments_group_appointment_id'), ['group_appointment_id'], unique=False)

    with op.batch_alter_table('automations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking_kinds', sa.String(length=10), server_default='both', nullable=False))

    with op.batch_alter_table('cliniko_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendees_cursor', oncord.timestamps.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('cliniko_connections', schema=None) as batch_op:
        batch_op.drop_column('attendees_cursor')

    with op.batch_alter_table('automations', schema=None) as batch_op:
        batch_op.drop_column('booking_kinds')

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_group_appointment_id'))
        batch_op.drop_column('attendee_id')
        batch_op.drop_column('group_appointment_id')
        batch_op.drop_column('kind')

    op.drop_table('group_appointments')
