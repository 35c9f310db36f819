"""Index contact phone numbers

Adding or editing a contact warns when another contact already has the phone number;
the check runs as staff type, so it must not scan every contact.

Revision ID: e51195ddc8
Revises: c3f1a7d2e9b4
Create Date: 2026-11-28 20:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "e51195ddc8"
down_revision = "c3f1a7d2e9b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_contacts_phone", "contacts", ["phone"], unique=False)


def downgrade():
    op.drop_index("ix_contacts_phone", table_name="contacts")
