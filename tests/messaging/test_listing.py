"""Marketing > Messages' query: filters, keyset pages, the clinic's days, and uncertain sends."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert

from oncord.extensions import db as _db
from oncord.messaging import listing
from oncord.models import Message
from tests.factories import ContactFactory

SYDNEY = ZoneInfo("Australia/Sydney")
T0 = datetime(2026, 11, 1, 0, 0, tzinfo=timezone.utc)


def add_messages(n, contact_ids=(None,), start=T0, step=timedelta(minutes=1), **fields):
    rows = [{"key": f"m:{start.timestamp()}:{i}", "channel": "email", "kind": "marketing", "source": "campaign",
             "status": "sent", "headers": {}, "subject": f"Subject {i}",
             "contact_id": contact_ids[i % len(contact_ids)],
             "created_at": start + i * step, "updated_at": start + i * step} | fields for i in range(n)]
    _db.session.execute(insert(Message), rows)
    _db.session.commit()


def count_queries():
    statements = []
    engine = _db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    return statements, lambda: event.remove(engine, "before_cursor_execute", listener)


def test_pages_walk_every_message_newest_first_once(db):
    add_messages(120, start=T0, step=timedelta(0))  # equal times: the id breaks the tie
    seen, before = [], None
    while True:
        page = listing.list_messages(listing.MessageFilters(), zone=SYDNEY, before=before, limit=50)
        seen += [m.id for m in page.messages]
        if not (before := page.next_before):
            break
    assert len(seen) == len(set(seen)) == 120
    assert seen == sorted(seen, reverse=True)


def test_a_thousand_messages_with_contacts_cost_a_fixed_number_of_queries(db):
    contacts = ContactFactory.create_batch(30)
    db.session.commit()
    add_messages(1000, contact_ids=[c.id for c in contacts])
    db.session.expire_all()
    statements, stop = count_queries()
    try:
        page = listing.list_messages(listing.MessageFilters(), zone=SYDNEY)
        names = [m.contact.name for m in page.messages]  # contacts come with the page
        older = listing.list_messages(listing.MessageFilters(), zone=SYDNEY, before=page.next_before)
        [m.contact.name for m in older.messages]
    finally:
        stop()
    assert len(names) == listing.PAGE_SIZE and page.next_before
    assert len(statements) <= 3  # page 1; cursor lookup + page 2


def test_filters_narrow_by_channel_status_source_kind_and_contact(db):
    ana, ben = ContactFactory(first_name="Ana", last_name="Lopez"), ContactFactory(first_name="Ben", last_name="Ng")
    db.session.commit()
    add_messages(3, contact_ids=[ana.id])
    add_messages(2, contact_ids=[ben.id], start=T0 + timedelta(hours=1), channel="sms", status="skipped",
                 source="automation", kind="factual")

    def ids(**filters):
        return len(listing.list_messages(listing.MessageFilters(**filters), zone=SYDNEY).messages)

    assert ids() == 5
    assert ids(channel="sms") == ids(status="skipped") == ids(source="automation") == ids(kind="factual") == 2
    assert ids(query="lopez") == 3 and ids(query="ana lop") == 3 and ids(query="nobody") == 0
    assert ids(channel="email", status="skipped") == 0


def test_date_range_is_days_in_the_clinics_time_zone(db):
    # 13:30 UTC on 1 Nov is 00:30 on 2 Nov in Sydney (UTC+11)
    add_messages(1, start=datetime(2026, 11, 1, 13, 30, tzinfo=timezone.utc))
    add_messages(1, start=datetime(2026, 11, 1, 12, 30, tzinfo=timezone.utc))  # 23:30 on 1 Nov there

    def count(since, until):
        return len(listing.list_messages(listing.MessageFilters(since=since, until=until), zone=SYDNEY).messages)

    assert count(date(2026, 11, 2), date(2026, 11, 2)) == 1
    assert count(date(2026, 11, 1), date(2026, 11, 1)) == 1
    assert count(date(2026, 11, 1), date(2026, 11, 2)) == 2


def test_bad_dates_and_unknown_choices():
    filters = listing.parse_filters({"channel": "fax", "status": "lost", "since": "2026-11-02"}, zone=SYDNEY)
    assert (filters.channel, filters.status, filters.since) == (None, None, date(2026, 11, 2))
    try:
        listing.parse_filters({"until": "yesterday"}, zone=SYDNEY)
    except ValueError as exc:
        assert "“To” must be a date" in str(exc)
    else:
        raise AssertionError("a bad date was accepted")


def test_uncertain_messages_are_listed_until_checked_and_kept_after(db, make_user):
    user = make_user()
    add_messages(2, status="uncertain", reason="The worker stopped")
    add_messages(1, start=T0 + timedelta(days=1))
    to_check = listing.needs_checking()
    assert [m.status for m in to_check] == ["uncertain", "uncertain"]

    assert listing.mark_checked(to_check[0], user.id) is True
    db.session.commit()
    assert listing.mark_checked(to_check[0], user.id) is False  # once
    assert [m.id for m in listing.needs_checking()] == [to_check[1].id]
    kept = db.session.get(Message, to_check[0].id)
    assert (kept.status, kept.checked_by_user_id) == ("uncertain", user.id) and kept.checked_at
    assert ("Checked by staff", kept.checked_at) in listing.timeline(kept)
    sent = listing.list_messages(listing.MessageFilters(status="sent"), zone=SYDNEY).messages[0]
    assert listing.mark_checked(sent, user.id) is False
