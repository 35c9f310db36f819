"""The dashboard costs a fixed number of statements whatever the data, and stays fast with 100,000 messages."""
import time
from datetime import timedelta

from sqlalchemy import event, insert, text

from oncord.dashboard import figures
from oncord.extensions import db as _db
from oncord.messaging import sms_keywords
from oncord.models import Appointment, Campaign, CampaignRecipient, Message, Role
from oncord.timestamps import utcnow
from tests.dashboard import seed
from tests.factories import ContactFactory


def _statements(client) -> int:
    count = [0]

    def counted(*_args):
        count[0] += 1

    event.listen(_db.engine, "before_cursor_execute", counted)
    try:
        assert client.get("/dashboard").status_code == 200
    finally:
        event.remove(_db.engine, "before_cursor_execute", counted)
    return count[0]


def test_statements_do_not_grow_with_the_data(client, db, login_as, sydney):
    login_as(Role.ADMIN)
    now = utcnow()
    data = seed.clinic(now)
    before = _statements(client)
    more = [ContactFactory(linked=True, sms_status="subscribed") for _ in range(60)]
    db.session.flush()
    for i, contact in enumerate(more):
        seed.message(now - i * timedelta(hours=7), ("sent", "failed", "skipped", "uncertain")[i % 4], contact=contact)
        db.session.add(Appointment(id=9_500_000 + i, contact_id=contact.id, starts_at=now + timedelta(hours=26, minutes=i),
                                   ends_at=now + timedelta(hours=27)))
    for n in range(4):
        campaign = Campaign(name=f"More {n}", channel="sms", status="sending", audience_size=60)
        db.session.add(campaign)
        db.session.flush()
        db.session.add_all([CampaignRecipient(campaign_id=campaign.id, contact_id=c.id, state="done") for c in more])
    db.session.commit()
    for i, contact in enumerate(more[:10]):
        sms_keywords.receive(f"SM{i:032d}", contact.phone, "STOP")
    db.session.commit()
    after = _statements(client)
    print(f"\ndashboard statements: {before}")
    assert after == before, (before, after)
    assert before <= 40
    assert figures.reminders_due(now).sending > len(data["people"][:12])  # the extra visits were counted


def test_fast_with_100k_messages(client, db, login_as, sydney):
    login_as(Role.STAFF)
    now = utcnow()
    statuses = ("sent", "delivered", "delivered", "skipped", "failed", "sent")
    rows = [{"key": f"bulk:{i}", "channel": "sms", "kind": "marketing" if i % 3 else "factual", "source": "campaign",
             "status": statuses[i % 6], "created_at": now - timedelta(seconds=i * 25), "address": "+61400000000",
             "headers": {}} for i in range(100_000)]  # 100,000 messages over 30 days
    _db.session.execute(insert(Message), rows)
    _db.session.commit()
    _db.session.execute(text("ANALYZE messages" if _db.engine.dialect.name == "postgresql" else "ANALYZE"))
    _db.session.commit()
    from zoneinfo import ZoneInfo

    started = time.perf_counter()
    days = figures.messages_per_day(now, ZoneInfo("Australia/Sydney"))
    chart_seconds = time.perf_counter() - started
    assert sum(d.total for d in days) == 100_000
    started = time.perf_counter()
    assert client.get("/dashboard").status_code == 200
    page_seconds = time.perf_counter() - started
    print(f"\nmessages_per_day over 100,000 messages: {chart_seconds * 1000:.0f} ms; whole dashboard: "
          f"{page_seconds * 1000:.0f} ms ({_db.engine.dialect.name})")
    assert chart_seconds < 1.0 and page_seconds < 3.0
