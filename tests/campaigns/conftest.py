"""Audience fixtures: a clinic clock, and contacts made subscribed the way the pull makes them."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from oncord.messaging import consent
from oncord.models import ConsentSource, ConsentStatus
from tests.factories import AppointmentFactory, ContactFactory

# Wednesday 12 March 2025, 10:00 in Sydney (AEDT, UTC+11).
NOW = datetime(2025, 3, 11, 23, 0, tzinfo=timezone.utc)


@pytest.fixture
def person(db):
    """A contact subscribed on both channels, with consent recorded as coming from `source` (Cliniko by default)."""

    def make(source: ConsentSource = ConsentSource.CLINIKO_PULL, *, email_status=ConsentStatus.SUBSCRIBED,
             sms_status=ConsentStatus.SUBSCRIBED, **fields):
        contact = ContactFactory(**fields)
        consent.record_new_contact(contact, ConsentSource.CONTACT_CREATED)
        for channel, status in (("email", email_status), ("sms", sms_status)):
            consent.set_status(contact, channel, status.value, source)
        db.session.flush()
        return contact

    return make


@pytest.fixture
def visit(db):
    """An appointment for `contact` starting at `starts_at` (UTC), with whatever else is given."""

    def make(contact, starts_at: datetime, **fields):
        return AppointmentFactory(contact=contact, starts_at=starts_at, **fields)

    return make
