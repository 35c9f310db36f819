"""Marketing > Messages: the send ledger filtered, in keyset pages newest first, and read back for staff.

Pages are keyed on (created_at, id), which ix_messages_created_id (or, with a status,
ix_messages_status_created_id) serves, so a page costs the same at row 20 or 1,000,000.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.orm import joinedload

from oncord.contacts.search import search_terms
from oncord.extensions import db
from oncord.models import Campaign, Contact, Message, MessageKind, MessageStatus, User
from oncord.timestamps import utcnow

PAGE_SIZE = 50
CHANNELS = {"email": "Email", "sms": "SMS"}
VIA_LABELS = {"outbox": "Outbox (not sent)", "smtp": "Email server", "twilio": "Twilio"}
KIND_LABELS = {MessageKind.MARKETING.value: "Marketing", MessageKind.FACTUAL.value: "Reminder (factual)",
               MessageKind.TEST.value: "Test", MessageKind.STAFF.value: "Staff notice"}
SOURCE_LABELS = {"automation": "Automation", "campaign": "Campaign", "test": "Test send"}
STATUS_TONES = {"queued": "grey", "sending": "blue", "sent": "green", "delivered": "green", "failed": "red",
                "skipped": "amber", "uncertain": "red"}
CHECK_ADVICE = ("oncord cannot tell whether these went out, so it will never send them again. Check with the "
                "patient (or in the email server's or Twilio's logs) whether it arrived, send it yourself if it "
                "matters, then mark it checked.")


class MessageNotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class MessageFilters:
    """What the list is narrowed to; None or "" means any. Dates are days in the clinic's time zone."""

    channel: str | None = None
    status: str | None = None
    source: str | None = None
    source_id: int | None = None  # one campaign's or automation's messages (with `source`)
    kind: str | None = None
    since: date | None = None
    until: date | None = None
    query: str = ""

    def as_args(self) -> dict[str, str]:
        args = {"channel": self.channel, "status": self.status, "source": self.source,
                "source_id": str(self.source_id) if self.source_id else None, "kind": self.kind,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None, "q": self.query}
        return {name: value for name, value in args.items() if value}


@dataclass(frozen=True, slots=True)
class MessagePage:
    messages: list[Message] = field(default_factory=list)
    next_before: int | None = None  # pass as `before` for older messages


def parse_filters(args, *, zone: ZoneInfo) -> MessageFilters:
    """Unknown choices mean "any"; a date that is not one raises ValueError with staff words."""
    def choice(name, allowed):
        value = args.get(name, "")
        return value if value in allowed else None

    return MessageFilters(
        channel=choice("channel", CHANNELS), status=choice("status", {s.value for s in MessageStatus}),
        source=(args.get("source", "").strip()[:32] or None), source_id=_source_id(args.get("source_id", "")),
        kind=choice("kind", KIND_LABELS),
        since=_day(args.get("since"), "From"), until=_day(args.get("until"), "To"),
        query=args.get("q", "").strip()[:200])


def source_name(filters: MessageFilters) -> str | None:
    """The campaign the list is narrowed to, by name (automations and others show their id)."""
    if filters.source == "campaign" and filters.source_id:
        campaign = db.session.get(Campaign, filters.source_id)
        return campaign.name if campaign is not None else None
    return None


def _source_id(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63 else None


def _day(raw: str | None, label: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"“{label}” must be a date such as 2026-11-28.") from None


def list_messages(filters: MessageFilters, *, zone: ZoneInfo, before: int | None = None,
                  limit: int = PAGE_SIZE) -> MessagePage:
    """A page of messages newest first, older than the message `before`; contacts loaded with them."""
    conditions = _conditions(filters, zone)
    order = (Message.created_at, Message.id)
    if before is not None:
        cursor = db.session.execute(select(*order).where(Message.id == before)).first()
        if cursor is None:
            return MessagePage()
        conditions.append(tuple_(*order) < tuple(cursor))
    stmt = (select(Message).where(*conditions).order_by(*(col.desc() for col in order)).limit(limit + 1)
            .options(joinedload(Message.contact)))
    rows = list(db.session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    return MessagePage(rows, next_before=rows[-1].id if more else None)


def _conditions(filters: MessageFilters, zone: ZoneInfo) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for column, value in ((Message.channel, filters.channel), (Message.status, filters.status),
                          (Message.source, filters.source), (Message.kind, filters.kind)):
        if value:
            conditions.append(column == value)
    if filters.source_id and filters.source:
        conditions.append(Message.source_id == filters.source_id)
    if filters.since:
        conditions.append(Message.created_at >= _start_of(filters.since, zone))
    if filters.until:
        conditions.append(Message.created_at < _start_of(filters.until + timedelta(days=1), zone))
    if terms := search_terms(filters.query):
        matching = select(Contact.id).where(*(Contact.search_text.contains(t, autoescape=True) for t in terms))
        conditions.append(Message.contact_id.in_(matching))
    return conditions


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    """Midnight of `day` in the clinic's zone, as the UTC instant the ledger stores."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def get_message(message_id: int) -> Message:
    message = db.session.get(Message, message_id, options=[joinedload(Message.contact)])
    if message is None:
        raise MessageNotFound(message_id)
    return message


def needs_checking(limit: int = 20) -> list[Message]:
    """Uncertain messages no one has checked yet, newest first."""
    return list(db.session.scalars(
        select(Message).where(Message.status == MessageStatus.UNCERTAIN.value, Message.checked_at.is_(None))
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(limit).options(joinedload(Message.contact))))


def mark_checked(message: Message, user_id: int) -> bool:
    """Staff looked into an uncertain message: keep it, record who and when. False if it is not uncertain
    or was checked already. The caller commits."""
    if message.status != MessageStatus.UNCERTAIN.value or message.checked_at is not None:
        return False
    message.checked_at, message.checked_by_user_id = utcnow(), user_id
    return True


def checked_by(message: Message) -> User | None:
    return db.session.get(User, message.checked_by_user_id) if message.checked_by_user_id else None


def timeline(message: Message) -> list[tuple[str, datetime]]:
    """What happened to the message, in order, in staff words."""
    steps = [("Recorded", message.created_at), ("Handed to the provider", message.sending_at),
             ("Sent", message.sent_at), ("Delivered", message.delivered_at)]
    if message.status in ("failed", "skipped", "uncertain"):
        steps.append((MessageStatus(message.status).label, message.finished_at))
    if message.checked_at:
        steps.append(("Checked by staff", message.checked_at))
    return [(label, when) for label, when in steps if when is not None]


def preview(message: Message, length: int = 80) -> str:
    """The subject of an email, the start of an SMS."""
    text = message.subject if message.channel == "email" else message.body_text
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def status_label(message: Message) -> str:
    try:
        return MessageStatus(message.status).label
    except ValueError:
        return message.status.capitalize()
