"""The send ledger (`messages`): every state change commits at once, before the next step.

    queued ──start_sending──> sending ──mark_sent──> sent ──(webhook)──> delivered
      │  ^                      │  └──mark_failed──> failed
      │  └──requeue (TemporaryFailure: nothing was handed over)
      │                         └──recover_stuck──> uncertain (never resent)
      └──mark_skipped──> skipped

Transitions are conditional UPDATEs (`WHERE status IN ...`), so two workers holding the
same row cannot both send it. Note: each function commits the session it is given.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from oncord.extensions import db
from oncord.messaging.drafts import Draft, EmailDraft, Receipt, SmsDraft
from oncord.models import ActivityEvent, Contact, EventKind, Message, MessageStatus
from oncord.timestamps import utcnow

Q, SENDING = MessageStatus.QUEUED.value, MessageStatus.SENDING.value
STUCK_REASON = ("The worker stopped while handing this message to the provider, so it may or may not have "
                "been sent. It is not sent again: check with the patient if it matters.")


class AlreadyClaimed(Exception):
    """A message with this key was recorded before: it was sent, skipped, or is on its way."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def claim(key: str, draft: Draft, *, contact: Contact | None, kind: str, source: str,
          source_id: int | None = None) -> Message:
    """Record the intended send as "queued" and commit. Raises `AlreadyClaimed` for a key seen before."""
    return _insert(Message(key=key, status=Q, **_fields(draft, contact, kind, source, source_id)))


def record_skip(key: str, draft: Draft | None, *, channel: str, contact: Contact | None, kind: str, source: str,
                reason: str, source_id: int | None = None) -> Message:
    """Record a send decided against, so staff see why, and the key is never sent later. Commits."""
    fields = _fields(draft, contact, kind, source, source_id) if draft else {
        "channel": channel, "kind": kind, "source": source, "source_id": source_id,
        "contact_id": contact.id if contact else None}
    now = utcnow()
    return _insert(Message(key=key, status=MessageStatus.SKIPPED.value, reason=reason, finished_at=now, **fields))


def _fields(draft: Draft, contact: Contact | None, kind: str, source: str, source_id: int | None) -> dict:
    common = {"channel": draft.channel, "kind": kind, "source": source, "source_id": source_id,
              "contact_id": contact.id if contact else None, "address": draft.to}
    if isinstance(draft, EmailDraft):
        return common | {"subject": draft.subject, "body_text": draft.text, "body_html": draft.html,
                         "headers": dict(draft.headers)}
    return common | {"body_text": draft.body, "headers": {}}


def _insert(message: Message) -> Message:
    """INSERT in a savepoint: a duplicate key undoes only this row (PostgreSQL aborts the whole
    transaction on an error otherwise), then commit."""
    message.created_at = message.created_at or utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(message)
            db.session.flush()
            _add_to_feed(message)
    except IntegrityError:
        db.session.commit()  # whatever the caller had pending still stands
        raise AlreadyClaimed(message.key) from None
    db.session.commit()
    return message


def _add_to_feed(message: Message) -> None:
    """One feed event per message, at its creation time: the feed's keyset pages stay one table;
    the event shows the message's status as it is now."""
    if message.contact_id is not None:
        db.session.add(ActivityEvent(contact_id=message.contact_id, kind=EventKind.MESSAGE.value,
                                     occurred_at=message.created_at, data={"message_id": message.id}))


def draft_of(message: Message) -> Draft:
    """The draft a recorded message was made from, to send a queued row later."""
    if message.channel == "email":
        return EmailDraft(to=message.address or "", subject=message.subject or "", text=message.body_text or "",
                          html=message.body_html, headers=dict(message.headers or {}))
    return SmsDraft(to=message.address or "", body=message.body_text or "")


def _transition(message: Message, from_statuses: Iterable[str], **values) -> bool:
    """Move `message` on if it is still in one of `from_statuses`; commits. False: someone else moved it."""
    result = db.session.execute(
        update(Message).where(Message.id == message.id, Message.status.in_(list(from_statuses))).values(**values)
        .execution_options(synchronize_session=False))
    db.session.commit()  # expires `message`: its next read loads the new state (no SELECT until then)
    return result.rowcount == 1


def start_sending(message: Message, via: str) -> bool:
    """queued -> sending: the claim of the send itself. Only one caller ever gets True for a row."""
    return _transition(message, [Q], status=SENDING, sending_at=utcnow(), via=via, reason=None)


def mark_sent(message: Message, receipt: Receipt) -> bool:
    """sending (or uncertain, if recovery gave up on a slow provider) -> sent."""
    now = utcnow()
    values = {"status": MessageStatus.SENT.value, "sent_at": now, "finished_at": now, "reason": None,
              "provider_id": receipt.provider_id, "provider_answer": receipt.answer}
    if receipt.headers is not None:
        values["headers"] = receipt.headers
    return _transition(message, [SENDING, MessageStatus.UNCERTAIN.value], **values)


def mark_failed(message: Message, reason: str, code: str | None = None) -> bool:
    return _transition(message, [Q, SENDING], status=MessageStatus.FAILED.value, reason=reason,
                       provider_error_code=code, finished_at=utcnow())


def mark_skipped(message: Message, reason: str) -> bool:
    """A queued message found ineligible at send time (unsubscribed meanwhile, erased...)."""
    return _transition(message, [Q], status=MessageStatus.SKIPPED.value, reason=reason, finished_at=utcnow())


def mark_uncertain(message: Message, reason: str = STUCK_REASON) -> bool:
    return _transition(message, [SENDING], status=MessageStatus.UNCERTAIN.value, reason=reason, finished_at=utcnow())


def requeue(message: Message, reason: str) -> bool:
    """sending -> queued, only after a `TemporaryFailure`: the provider certainly did not take it."""
    return _transition(message, [SENDING], status=Q, sending_at=None, reason=reason)


def recover_stuck(older_than: timedelta, now: datetime | None = None) -> tuple[list[int], list[int]]:
    """Rows left "sending" past `older_than` become "uncertain" (never resent: a worker died perhaps
    after the provider took them). Returns (uncertain ids, ids of "queued" rows untouched as long,
    which were never handed to a provider and may be sent again). Commits."""
    cutoff = (now or utcnow()) - older_than
    stuck = list(db.session.scalars(select(Message.id).where(Message.status == SENDING, Message.sending_at < cutoff)))
    if stuck:
        db.session.execute(
            update(Message).where(Message.id.in_(stuck), Message.status == SENDING)
            .values(status=MessageStatus.UNCERTAIN.value, reason=STUCK_REASON, finished_at=now or utcnow())
            .execution_options(synchronize_session=False))
    waiting = list(db.session.scalars(select(Message.id).where(Message.status == Q, Message.updated_at < cutoff)))
    db.session.commit()
    return stuck, waiting


def uncertain(limit: int = 100) -> list[Message]:
    """Messages that may or may not have gone out, newest first: staff should look at these."""
    return list(db.session.scalars(select(Message).where(Message.status == MessageStatus.UNCERTAIN.value)
                                   .order_by(Message.created_at.desc()).limit(limit)))
