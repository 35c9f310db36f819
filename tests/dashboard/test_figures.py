"""Each dashboard figure against seeded rows: clinic-day boundaries (a DST change included), what counts
and what does not."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from oncord.automations import preview
from oncord.dashboard import figures
from oncord.messaging import sms_keywords
from oncord.models import Campaign, CampaignRecipient
from oncord.timestamps import utcnow
from tests.dashboard import seed
from tests.factories import ContactFactory

UTC = timezone.utc
SYDNEY = ZoneInfo("Australia/Sydney")
# Sat 10 Oct 2026 12:00 in Sydney (AEDT). Clocks went forward on Sun 4 Oct at 02:00 AEST (UTC+10 -> +11),
# so 4 Oct has 23 hours: it starts 3 Oct 14:00 UTC and ends 4 Oct 13:00 UTC.
NOW = datetime(2026, 10, 10, 1, 0, tzinfo=UTC)


def _day(days, which: date):
    return next(d for d in days if d.day == which)


def test_messages_per_day_falls_on_clinic_days_across_a_dst_change(db):
    at = lambda *args: datetime(*args, tzinfo=UTC)  # noqa: E731
    seed.message(at(2026, 9, 10, 13, 59, 59))  # 10 Sep 23:59:59 AEST: before the 30 days
    seed.message(at(2026, 9, 10, 14, 0))  # 11 Sep 00:00 AEST: the first day
    seed.message(at(2026, 10, 3, 13, 59, 59))  # 3 Oct 23:59:59 AEST
    seed.message(at(2026, 10, 3, 14, 0), "delivered")  # 4 Oct 00:00 AEST
    seed.message(at(2026, 10, 4, 12, 59, 59), "skipped")  # 4 Oct 23:59:59 AEDT
    seed.message(at(2026, 10, 4, 13, 30), "failed")  # 5 Oct 00:30 AEDT (23:30 on a fixed +10 clock)
    seed.message(at(2026, 10, 10, 0, 30))  # today 11:30
    for status in ("uncertain", "queued", "sending"):  # not final: not in the chart
        seed.message(at(2026, 10, 9, 1, 0), status)
    seed.message(at(2026, 10, 9, 1, 0), kind="test")  # a test send to staff
    seed.message(at(2026, 10, 9, 1, 0), kind="staff")  # a notice to a staff member
    db.session.commit()

    days = figures.messages_per_day(NOW, SYDNEY)
    assert len(days) == 30 and days[0].day == date(2026, 9, 11) and days[-1].day == date(2026, 10, 10)
    by_day = {d.day: (d.sent, d.skipped, d.failed) for d in days}
    assert by_day[date(2026, 9, 11)] == (1, 0, 0)
    assert by_day[date(2026, 10, 3)] == (1, 0, 0)
    assert by_day[date(2026, 10, 4)] == (1, 1, 0)
    assert by_day[date(2026, 10, 5)] == (0, 0, 1)
    assert by_day[date(2026, 10, 9)] == (0, 0, 0)
    assert by_day[date(2026, 10, 10)] == (1, 0, 0)
    assert sum(d.total for d in days) == 6


def test_days_follow_the_clinic_zone(db):
    seed.message(datetime(2026, 10, 9, 15, 0, tzinfo=UTC))  # 10 Oct 02:00 in Sydney, still 9 Oct in London
    db.session.commit()
    sydney = {d.day: d.sent for d in figures.messages_per_day(NOW, SYDNEY)}
    london = {d.day: d.sent for d in figures.messages_per_day(NOW, ZoneInfo("Europe/London"))}
    assert sydney[date(2026, 10, 10)] == 1 and sydney[date(2026, 10, 9)] == 0
    assert london[date(2026, 10, 9)] == 1 and date(2026, 10, 10) in london and london[date(2026, 10, 10)] == 0


def test_subscribed_share_counts_live_contacts_only(db):
    ContactFactory(email_status="subscribed", sms_status="subscribed")
    ContactFactory(email_status="subscribed", sms_status="pending")
    ContactFactory(email_status="unsubscribed", sms_status="pending")
    ContactFactory(email_status="pending", sms_status="subscribed")
    ContactFactory(email_status="subscribed", sms_status="subscribed", cliniko_archived_at=NOW)
    ContactFactory(email_status="subscribed", sms_status="subscribed", cliniko_deleted_at=NOW)
    ContactFactory(email_status="subscribed", sms_status="subscribed", merged_into_patient_id=42)
    db.session.commit()
    share = figures.subscribed_share()
    assert (share.contacts, share.email, share.sms) == (4, 2, 2)
    assert share.percent("email") == 50 and share.percent("sms") == 50


def test_subscribed_share_of_no_contacts_is_zero(db):
    share = figures.subscribed_share()
    assert (share.contacts, share.percent("email"), share.percent("sms")) == (0, 0, 0)


def test_reminders_due_in_the_next_24_hours_match_the_automation_preview(app, db, sydney):
    now = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 11:00 in Sydney: the reminders fall in the afternoon
    people = [ContactFactory(linked=True, sms_status="pending") for _ in range(5)]
    people.append(ContactFactory(linked=True, sms_status="pending", phone=None))  # no mobile: skipped
    db.session.flush()
    automation = seed.reminder_automation(now, people)
    from oncord.models import Appointment
    later = people[0]  # a visit two days out: its reminder is due tomorrow, not in the next 24 hours
    db.session.add(Appointment(id=9_100_000, contact_id=later.id, starts_at=now + timedelta(hours=49),
                               ends_at=now + timedelta(hours=50)))
    db.session.add(Appointment(id=9_100_001, contact_id=later.id, starts_at=now + timedelta(hours=30),
                               ends_at=now + timedelta(hours=31), cancelled_at=now))  # cancelled
    off = seed.reminder_automation(now, [])
    off.enabled, off.name = False, "Switched off"
    db.session.commit()
    with app.test_request_context():
        due = figures.reminders_due(now)
        _, upcoming = preview.preview(automation, now)
    assert [a.automation.id for a in due.automations] == [automation.id]
    assert (due.sending, due.skipped) == (5, 1)
    within = [row for row in upcoming if row.send_at < now + timedelta(hours=24)]
    assert (sum(not r.skipped for r in within), sum(r.skipped for r in within)) == (due.sending, due.skipped)


def test_recent_replies_are_stop_and_cancel_of_the_last_week(db):
    mia, tom, ivy, old = (ContactFactory(phone=f"+6141234567{i}") for i in range(4))
    db.session.commit()
    sms_keywords.receive("SM" + "1" * 32, mia.phone, "STOP")
    sms_keywords.receive("SM" + "2" * 32, tom.phone, "Can I reschedule Thursday?")
    sms_keywords.receive("SM" + "3" * 32, ivy.phone, "CANCEL")  # an opt-out word that also asks to cancel
    sms_keywords.receive("SM" + "4" * 32, ivy.phone, "Thanks, see you then")  # neither
    sms_keywords.receive("SM" + "5" * 32, old.phone, "STOP")
    db.session.commit()
    from oncord.models import InboundSms
    db.session.query(InboundSms).filter_by(contact_id=old.id).update({"received_at": utcnow() - timedelta(days=8)})
    db.session.commit()
    replies = figures.recent_replies(utcnow())
    assert (replies.total, replies.stopped, replies.cancelling) == (3, 2, 2)
    assert [r.contact_id for r in replies.latest] == [ivy.id, tom.id, mia.id]


def test_needs_a_look_counts_unchecked_uncertain_and_recent_failures(db, sydney):
    now = utcnow()
    seed.message(now - timedelta(hours=1), "uncertain")
    seed.message(now - timedelta(days=40), "uncertain")  # old but never checked: still counts
    seed.message(now - timedelta(hours=2), "uncertain", checked_at=now)  # checked: done
    seed.message(now - timedelta(days=1), "failed")
    seed.message(now - timedelta(days=9), "failed")  # before the week
    db.session.commit()
    look = figures.needs_a_look(now, ZoneInfo("Australia/Sydney"))
    assert (look.uncertain, look.failed, len(look.uncertain_latest)) == (2, 1, 2)
    assert look.failed_since == now.astimezone(SYDNEY).date() - timedelta(days=6)


def test_live_campaigns_sending_then_paused_then_scheduled(db):
    now = utcnow()
    contacts = [ContactFactory() for _ in range(4)]
    scheduled_later = Campaign(name="Later", channel="email", status="scheduled", send_at=now + timedelta(days=3))
    scheduled_soon = Campaign(name="Soon", channel="sms", status="scheduled", send_at=now + timedelta(days=1))
    paused = Campaign(name="Paused", channel="sms", status="paused", audience_size=4)
    sending = Campaign(name="Sending", channel="email", status="sending", audience_size=4)
    db.session.add_all([scheduled_later, scheduled_soon, paused, sending,
                        Campaign(name="Draft", channel="email", status="draft"),
                        Campaign(name="Done", channel="email", status="finished")])
    db.session.flush()
    for i, contact in enumerate(contacts):
        db.session.add(CampaignRecipient(campaign_id=sending.id, contact_id=contact.id,
                                         state=("done", "skipped", "pending", "pending")[i]))
    db.session.commit()
    lines = figures.live_campaigns()
    assert [line.campaign.name for line in lines] == ["Sending", "Paused", "Soon", "Later"]
    assert (lines[0].done, lines[0].percent, lines[1].done, lines[1].percent) == (2, 50, 0, 0)


def test_the_25_hour_day_when_clocks_go_back(db):
    # Sun 5 Apr 2026: 03:00 AEDT (UTC+11) becomes 02:00 AEST (UTC+10); the day ends 5 Apr 14:00 UTC.
    now = datetime(2026, 4, 10, 2, 0, tzinfo=UTC)
    seed.message(datetime(2026, 4, 4, 13, 0, tzinfo=UTC))  # 5 Apr 00:00 AEDT
    seed.message(datetime(2026, 4, 5, 13, 30, tzinfo=UTC))  # 5 Apr 23:30 AEST (00:30 on a fixed +11 clock)
    seed.message(datetime(2026, 4, 5, 14, 0, tzinfo=UTC))  # 6 Apr 00:00 AEST
    db.session.commit()
    by_day = {d.day: d.sent for d in figures.messages_per_day(now, SYDNEY)}
    assert (by_day[date(2026, 4, 4)], by_day[date(2026, 4, 5)], by_day[date(2026, 4, 6)]) == (0, 2, 1)


def test_an_sms_campaign_waiting_out_quiet_hours_says_until_when(db):
    import time_machine

    texts = Campaign(name="Texts", channel="sms", status="sending", audience_size=4)
    emails = Campaign(name="Emails", channel="email", status="sending", audience_size=4)
    db.session.add_all([texts, emails])
    db.session.commit()
    with time_machine.travel(datetime(2026, 11, 30, 10, 30, tzinfo=UTC), tick=False):  # 21:30 in Sydney
        notes = {line.campaign.name: line.waiting_note for line in figures.live_campaigns()}
    assert notes == {"Texts": "Quiet hours (20:00–08:00): the texts wait until Tue 1 Dec 08:00.", "Emails": None}
    with time_machine.travel(datetime(2026, 11, 30, 23, 0, tzinfo=UTC), tick=False):  # 10:00: sending
        assert [line.waiting_note for line in figures.live_campaigns()] == [None, None]
