from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from oncord.models import Contact
from tests.factories import ContactFactory

WHEN = datetime(2025, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_only_live_subscribers_may_be_sent_marketing(db, channel):
    subscribed = {"email_status": "subscribed", "sms_status": "subscribed"}
    live = ContactFactory(**subscribed)
    pending = ContactFactory(email_status="pending", sms_status="pending")
    unsubscribed = ContactFactory(email_status="unsubscribed", sms_status="unsubscribed")
    merged = ContactFactory(linked=True, merged_into_patient_id=live.id + 10**18, **subscribed)
    archived = ContactFactory(linked=True, cliniko_archived_at=WHEN, **subscribed)
    deleted = ContactFactory(linked=True, cliniko_deleted_at=WHEN, **subscribed)
    everyone = [live, pending, unsubscribed, merged, archived, deleted]
    assert [c for c in everyone if c.can_receive_marketing(channel)] == [live]
    assert list(db.session.scalars(select(Contact).where(Contact.marketable(channel)))) == [live]
    assert [c.not_messaged_reason for c in everyone] == [None, None, None, "Merged", "Archived", "Deleted"]
