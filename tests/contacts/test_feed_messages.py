"""Messages in the contact's activity feed: one event per message, its status as it is now, in time order."""
from __future__ import annotations

from datetime import timedelta

from oncord.contacts import feed
from oncord.messaging import ledger
from oncord.messaging.drafts import SmsDraft
from oncord.models import EventKind
from oncord.timestamps import utcnow
from tests.factories import ActivityEventFactory, ContactFactory


def test_each_message_is_one_event_showing_its_current_status(db):
    contact = ContactFactory()
    db.session.commit()
    message = ledger.claim("reminder:1", SmsDraft(to="+61412345678", body="See you at 9"), contact=contact,
                           kind="factual", source="automation")
    ledger.start_sending(message, via="outbox")
    ledger.mark_failed(message, "The number is not a mobile.", code="21614")

    page = feed.contact_feed(contact.id)
    assert [e.kind for e in page.events] == [EventKind.MESSAGE.value]
    shown = feed.event_message(page.events[0], page.messages)
    assert (shown.id, shown.status, shown.reason) == (message.id, "failed", "The number is not a mobile.")
    assert page.events[0].occurred_at == message.created_at


def test_a_duplicate_key_adds_no_event_and_messages_interleave_with_appointments_in_pages(db):
    contact = ContactFactory()
    db.session.commit()
    now = utcnow()
    for days in range(30):  # older history from Cliniko
        ActivityEventFactory(contact=contact, kind=EventKind.PATIENT_UPDATED.value,
                             occurred_at=now - timedelta(days=days + 1))
    db.session.commit()
    fields = {"contact": contact, "kind": "factual", "source": "automation"}
    for n in range(15):
        ledger.claim(f"k{n}", SmsDraft(to="+61412345678", body=f"n{n}"), **fields)
    try:
        ledger.claim("k0", SmsDraft(to="+61412345678", body="again"), **fields)
    except ledger.AlreadyClaimed:
        pass

    seen, before = [], None
    while True:
        page = feed.contact_feed(contact.id, before=before)
        seen += page.events
        if not (before := page.next_before):
            break
    assert len(seen) == len({e.id for e in seen}) == 45
    times = [e.occurred_at for e in seen]
    assert times == sorted(times, reverse=True)
    assert [e.kind for e in seen[:15]] == [EventKind.MESSAGE.value] * 15  # the newest
