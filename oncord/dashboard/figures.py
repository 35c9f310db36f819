"""What the dashboard shows, read from the database in a fixed handful of queries.

Each figure is computed in UTC and bounded by the clinic's days (its IANA zone, DST included),
and is cheap on a large install: the messages chart is one grouped query over an index.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal_column, or_, select, union_all
from sqlalchemy.orm import selectinload

from oncord.automations import preview
from oncord.campaigns.sending import quiet_hours_note
from oncord.extensions import db
from oncord.messaging import listing
from oncord.models import (
    Automation, Campaign, CampaignRecipient, CampaignStatus, ConsentStatus, Contact, InboundSms, Message, MessageKind,
    MessageStatus, RecipientState, Trigger,
)

CHART_DAYS = 30
REMINDER_HOURS = 24
RECENT_REPLY_DAYS = 7
RECENT_FAILED_DAYS = 7
# Messages to patients; test sends and notices to staff are not the clinic's messaging.
PATIENT_KINDS = (MessageKind.MARKETING.value, MessageKind.FACTUAL.value)
OUTCOMES = {MessageStatus.SENT.value: "sent", MessageStatus.DELIVERED.value: "sent",
            MessageStatus.SKIPPED.value: "skipped", MessageStatus.FAILED.value: "failed"}
LIVE_CAMPAIGNS = (CampaignStatus.SENDING.value, CampaignStatus.PAUSED.value, CampaignStatus.SCHEDULED.value)


# -- Messages per clinic day -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DayCount:
    day: date  # a day in the clinic's zone
    sent: int = 0  # sent or delivered
    skipped: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.skipped + self.failed


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """Midnight of `day` on the clinic's wall clock, as a UTC instant (a DST day is 23 or 25 hours)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def clinic_days(now: datetime, zone: ZoneInfo, days: int = CHART_DAYS) -> list[date]:
    """The last `days` days in the clinic's zone, today last."""
    today = now.astimezone(zone).date()
    return [today - timedelta(days=back) for back in range(days - 1, -1, -1)]


def messages_per_day(now: datetime, zone: ZoneInfo, days: int = CHART_DAYS) -> list[DayCount]:
    """Sent, skipped and failed messages to patients per clinic day, by when each was recorded.

    One statement: a count per day between that day's UTC bounds, glued by UNION ALL, so each
    part is a range read of ix_messages_status_created_id and no row is converted to a time zone
    (a CASE picking each row's day was four times slower on 100,000 rows; see docs/benchmarks.md).
    """
    day_list = clinic_days(now, zone, days)
    starts = [start_of_day(d, zone) for d in day_list] + [start_of_day(day_list[-1] + timedelta(days=1), zone)]
    parts = [select(literal_column(str(i)).label("day_index"), Message.status, func.count())
             .where(Message.status.in_(OUTCOMES), Message.created_at >= starts[i], Message.created_at < starts[i + 1],
                    Message.kind.in_(PATIENT_KINDS))
             .group_by(Message.status) for i in range(days)]
    counts = [{"sent": 0, "skipped": 0, "failed": 0} for _ in day_list]
    for index, status, n in db.session.execute(union_all(*parts)):
        counts[int(index)][OUTCOMES[status]] += n
    return [DayCount(day, **c) for day, c in zip(day_list, counts)]


# -- Contacts subscribed per channel -----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SubscribedShare:
    contacts: int  # not archived, deleted or merged away
    email: int
    sms: int

    def percent(self, channel: str) -> int:
        return round(100 * getattr(self, channel) / self.contacts) if self.contacts else 0


def subscribed_share() -> SubscribedShare:
    """How many live contacts may be sent marketing on each channel (the rule of `Contact.marketable`)."""
    subscribed = ConsentStatus.SUBSCRIBED.value
    live = and_(Contact.merged_into_patient_id.is_(None), Contact.cliniko_deleted_at.is_(None),
                Contact.cliniko_archived_at.is_(None))
    total, email, sms = db.session.execute(select(
        func.count(), func.coalesce(func.sum(case((Contact.email_status == subscribed, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Contact.sms_status == subscribed, 1), else_=0)), 0)).where(live)).one()
    return SubscribedShare(int(total), int(email), int(sms))


# -- Reminders due -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AutomationDue:
    automation: Automation
    sending: int
    skipped: int


@dataclass(frozen=True, slots=True)
class RemindersDue:
    automations: list[AutomationDue] = field(default_factory=list)

    @property
    def sending(self) -> int:
        return sum(a.sending for a in self.automations)

    @property
    def skipped(self) -> int:
        return sum(a.skipped for a in self.automations)


def reminders_due(now: datetime, hours: int = REMINDER_HOURS) -> RemindersDue:
    """Upcoming-appointment sends due in the next `hours`, per switched-on automation, as each
    automation's preview decides them (skips included, with the same reasons)."""
    automations = db.session.scalars(select(Automation).where(
        Automation.enabled.is_(True), Automation.deleted_at.is_(None), Automation.trigger == Trigger.UPCOMING.value)
        .order_by(Automation.name, Automation.id)).all()
    due = []
    for automation in automations:
        rows = preview.due_between(automation, now, now + timedelta(hours=hours))
        due.append(AutomationDue(automation, rows.sending, rows.skipped))
    return RemindersDue(due)


# -- SMS replies: STOP and CANCEL --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RecentReplies:
    total: int  # one per contact who replied (a shared number counts for each contact)
    stopped: int  # replies that stopped marketing SMS (STOP, CANCEL, ...)
    cancelling: int  # replies about cancelling or moving an appointment ("CANCEL" is both)
    latest: list[InboundSms]
    days: int


def recent_replies(now: datetime, days: int = RECENT_REPLY_DAYS, limit: int = 6) -> RecentReplies:
    """Patients who replied STOP (or another opt-out word) or about cancelling in the last `days`."""
    recent = and_(InboundSms.received_at >= now - timedelta(days=days),
                  or_(InboundSms.keyword == "opt_out", InboundSms.may_cancel.is_(True)))
    total, stopped, cancelling = db.session.execute(select(
        func.count(), func.coalesce(func.sum(case((InboundSms.keyword == "opt_out", 1), else_=0)), 0),
        func.coalesce(func.sum(case((InboundSms.may_cancel.is_(True), 1), else_=0)), 0)).where(recent)).one()
    latest = db.session.scalars(select(InboundSms).where(recent).options(selectinload(InboundSms.contact))
                                .order_by(InboundSms.received_at.desc(), InboundSms.id.desc()).limit(limit)).all()
    return RecentReplies(int(total), int(stopped), int(cancelling), list(latest), days)


# -- Messages that need a look -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NeedsALook:
    uncertain: int  # perhaps sent, never resent: staff check by hand
    uncertain_latest: list[Message]
    failed: int  # in the last `days`
    failed_since: date  # the clinic day the failed count starts
    days: int

    @property
    def any(self) -> bool:
        return bool(self.uncertain or self.failed)


def needs_a_look(now: datetime, zone: ZoneInfo, days: int = RECENT_FAILED_DAYS) -> NeedsALook:
    since = now.astimezone(zone).date() - timedelta(days=days - 1)
    uncertain = db.session.scalar(select(func.count()).select_from(Message).where(
        Message.status == MessageStatus.UNCERTAIN.value, Message.checked_at.is_(None))) or 0
    failed = db.session.scalar(select(func.count()).select_from(Message).where(
        Message.status == MessageStatus.FAILED.value, Message.created_at >= start_of_day(since, zone))) or 0
    return NeedsALook(uncertain, listing.needs_checking(limit=3) if uncertain else [], failed, since, days)


# -- Campaigns running or scheduled ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CampaignLine:
    campaign: Campaign
    done: int  # recipients handed to the send ledger (or skipped)
    waiting_note: str | None = None  # an SMS campaign waiting out quiet hours: until when

    @property
    def percent(self) -> int:
        size = self.campaign.audience_size
        return min(100, round(100 * self.done / size)) if size else 0


def live_campaigns(limit: int = 6) -> list[CampaignLine]:
    """Sending first, then paused (they need a decision), then scheduled, soonest first."""
    order = case({CampaignStatus.SENDING.value: 0, CampaignStatus.PAUSED.value: 1}, value=Campaign.status, else_=2)
    campaigns = db.session.scalars(select(Campaign).where(Campaign.status.in_(LIVE_CAMPAIGNS))
                                   .order_by(order, Campaign.send_at, Campaign.id).limit(limit)).all()
    started = [c.id for c in campaigns if c.status != CampaignStatus.SCHEDULED.value]
    done = dict(db.session.execute(
        select(CampaignRecipient.campaign_id, func.count()).where(
            CampaignRecipient.campaign_id.in_(started), CampaignRecipient.state != RecipientState.PENDING.value)
        .group_by(CampaignRecipient.campaign_id)).all()) if started else {}
    return [CampaignLine(c, done.get(c.id, 0),
                         quiet_hours_note(c) if c.status == CampaignStatus.SENDING.value else None) for c in campaigns]
