"""A month of a small clinic's activity for the dashboard: messages every day, replies, campaigns,
a reminder automation with visits tomorrow, and a Cliniko connection that synced a minute ago."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from oncord.extensions import db
from oncord.messaging import sms_keywords
from oncord.models import (
    Appointment, Automation, AutomationStep, Campaign, CampaignRecipient, ClinikoConnection, Message, MessageTemplate,
    SyncRun,
)
from tests.factories import ContactFactory

_keys = itertools.count(1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def message(created_at: datetime, status: str = "sent", *, kind: str = "factual", channel: str = "sms",
            contact=None, source: str = "automation", **fields) -> Message:
    row = Message(key=f"seed:{next(_keys)}", channel=channel, kind=kind, source=source, status=status,
                  contact_id=contact.id if contact else None, address="+61400000000", created_at=created_at,
                  body_text="Hi, a reminder of your visit tomorrow.", **fields)
    db.session.add(row)
    return row


def connection(now: datetime, *, requests: int = 14) -> ClinikoConnection:
    conn = ClinikoConnection(api_key="MS0xLTEtMQ-au1", api_key_last4="abcd", shard="au1", account_name="Harbour Physio",
                             connected_at=now - 60 * DAY, live_since=now - 60 * DAY, last_full_sync_at=now - 60 * DAY,
                             last_success_at=now - 2 * MINUTE)
    db.session.add(conn)
    db.session.flush()
    db.session.add(SyncRun(connection_id=conn.id, trigger="scheduled", status="succeeded", started_at=now - 3 * MINUTE,
                           finished_at=now - 2 * MINUTE, requests=requests,
                           counts={"patients": {"created": 0, "updated": 3, "unchanged": 0}}))
    return conn


def reminder_automation(now: datetime, contacts: list) -> Automation:
    """A day-before SMS reminder, with one visit per contact starting 25 to 40 hours from now."""
    template = MessageTemplate(name="Reminder", channel="sms", kind="factual", body="See you tomorrow")
    db.session.add(template)
    db.session.flush()
    automation = Automation(name="Day-before reminder", trigger="upcoming", offset_minutes=1440, enabled=True,
                            enabled_at=now - 30 * DAY)
    automation.steps.append(AutomationStep(position=0, type="sms", template_id=template.id, kind="factual"))
    db.session.add(automation)
    for i, contact in enumerate(contacts):
        start = (now + 25 * HOUR + i * 37 * MINUTE).replace(second=0, microsecond=0)
        db.session.add(Appointment(id=9_000_000 + i, contact_id=contact.id, starts_at=start,
                                   ends_at=start + timedelta(minutes=30)))
    return automation


def clinic(now: datetime) -> dict:
    people = [ContactFactory(first_name=first, last_name=last, linked=True,
                             email_status="subscribed" if i % 3 else "pending",
                             sms_status="subscribed" if i % 2 else "unsubscribed" if i % 5 == 0 else "pending")
              for i, (first, last) in enumerate(itertools.islice(itertools.cycle(
                  [("Mia", "Chen"), ("Tom", "Nguyen"), ("Ava", "Patel"), ("Leo", "Smith"), ("Zoe", "Brown"),
                   ("Max", "Wilson"), ("Ivy", "Taylor"), ("Sam", "Martin")]), 40))]
    ContactFactory(email_status="subscribed", sms_status="subscribed", cliniko_archived_at=now - DAY)  # not counted
    db.session.flush()
    for back in range(30):
        day = now - back * DAY
        for n in range(18 + (back * 7) % 15):
            message(day - n * timedelta(minutes=9), "delivered" if n % 3 else "sent", contact=people[n % 40])
        for n in range(back % 4):
            message(day - n * HOUR, "skipped", contact=people[n], reason="Not subscribed to SMS")
        if back % 6 == 2:
            message(day - 2 * HOUR, "failed", contact=people[7], reason="The number cannot receive SMS")
    message(now - 5 * HOUR, "uncertain", contact=people[3], channel="email", subject="Your visit")
    message(now - 6 * HOUR, "uncertain", contact=people[4])
    db.session.commit()
    sms_keywords.receive("SM" + "1" * 32, people[0].phone, "STOP")
    sms_keywords.receive("SM" + "2" * 32, people[1].phone, "Can I reschedule Thursday please?")
    sending = Campaign(name="Winter flu clinic", channel="email", subject="Flu shots", status="sending",
                       audience_size=240, started_at=now - HOUR)
    paused = Campaign(name="Lapsed 6 months", channel="sms", status="paused", audience_size=80, started_at=now - DAY,
                      paused_reason="Paused after 10 failed sends in a row: check the SMS settings.")
    scheduled = Campaign(name="New patients this month", channel="email", status="scheduled", send_at=now + 2 * DAY)
    db.session.add_all([sending, paused, scheduled, Campaign(name="Old news", channel="email", status="finished")])
    db.session.flush()
    for i, contact in enumerate(people[:30]):
        db.session.add(CampaignRecipient(campaign_id=sending.id, contact_id=contact.id,
                                         state="done" if i < 18 else "pending"))
    connection(now)
    automation = reminder_automation(now, people[:12])
    db.session.commit()
    return {"people": people, "automation": automation, "campaigns": [sending, paused, scheduled]}
