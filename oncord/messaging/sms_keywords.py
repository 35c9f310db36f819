"""Inbound SMS: STOP and START as Twilio understands them, and replies that ask to cancel.

Twilio blocks a number that replies an opt-out keyword and unblocks it on an opt-in one,
matching only a message that is exactly the keyword (any case, surrounding spaces ignored:
"STOP please" blocks nothing). oncord follows the same rule so it never thinks it may text a
number Twilio blocks; a send Twilio refuses with 21610 unsubscribes the number too.
Helpers add; the caller commits, then queues the Cliniko push (`queue_cliniko_pushes`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from oncord.extensions import db
from oncord.messaging import consent
from oncord.models import ActivityEvent, ConsentSource, ConsentStatus, Contact, EventKind, InboundSms
from oncord.timestamps import utcnow

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})
# Patients reply CANCEL (also Twilio's opt-out) or write about cancelling or moving an appointment.
CANCEL_WORDS = re.compile(r"\b(cancel|reschedul|re-schedul)", re.IGNORECASE)


def keyword_of(body: str) -> str | None:
    """"opt_out", "opt_in" or None: the whole message, trimmed, in any case, must be the keyword."""
    word = (body or "").strip().upper()
    if word in OPT_OUT_KEYWORDS:
        return "opt_out"
    if word in OPT_IN_KEYWORDS:
        return "opt_in"
    return None


def may_want_to_cancel(body: str) -> bool:
    return bool(CANCEL_WORDS.search(body or ""))


@dataclass
class Outcome:
    replies: list[InboundSms] = field(default_factory=list)
    changed: list[Contact] = field(default_factory=list)  # contacts whose SMS status changed
    duplicate: bool = False  # Twilio retried a webhook already handled


def contacts_with_number(number: str) -> list[Contact]:
    return list(db.session.scalars(select(Contact).where(Contact.phone == number).order_by(Contact.id)))


def receive(message_sid: str, from_number: str, body: str) -> Outcome:
    """Record an inbound SMS for every contact with that number, apply STOP/START, flag cancel requests."""
    if db.session.scalar(select(InboundSms.id).where(InboundSms.message_sid == message_sid).limit(1)):
        return Outcome(duplicate=True)
    now = utcnow()
    keyword, may_cancel = keyword_of(body), may_want_to_cancel(body)
    evidence = {"inbound_sid": message_sid, "body": body}
    outcome = Outcome()
    contacts = contacts_with_number(from_number)
    for contact in contacts or [None]:
        reply = InboundSms(message_sid=message_sid, contact_id=contact.id if contact else None,
                           from_number=from_number, body=body, keyword=keyword, may_cancel=may_cancel, received_at=now)
        db.session.add(reply)
        outcome.replies.append(reply)
        if contact is None:
            continue
        db.session.add(ActivityEvent(contact_id=contact.id, kind=EventKind.SMS_RECEIVED.value, occurred_at=now,
                                     recorded_at=now, data={"body": body, "sid": message_sid, "keyword": keyword,
                                                            "may_cancel": may_cancel}))
        if _apply_keyword(contact, keyword, evidence):
            outcome.changed.append(contact)
    db.session.flush()
    return outcome


def _apply_keyword(contact: Contact, keyword: str | None, evidence: dict) -> bool:
    source = ConsentSource.SMS_KEYWORD
    if keyword == "opt_out":
        return consent.unsubscribe(contact, "sms", source=source, evidence=evidence) is not None
    # START re-opens what STOP closed; a YES answering "see you at 3pm?" subscribes no one to marketing.
    if keyword == "opt_in" and contact.sms_status == ConsentStatus.UNSUBSCRIBED.value:
        return consent.resubscribe(contact, "sms", source=source, evidence=evidence) is not None
    return False


def opted_out_at_twilio(number: str, evidence: dict) -> list[Contact]:
    """Twilio refused a send because the number replied STOP (21610): unsubscribe it here too. Commits."""
    changed = [c for c in contacts_with_number(number)
               if consent.unsubscribe(c, "sms", source=ConsentSource.PROVIDER, evidence=evidence) is not None]
    db.session.commit()
    queue_cliniko_pushes(changed)
    return changed


def queue_cliniko_pushes(contacts: list[Contact]) -> None:
    """After the commit: schedule the push of changed consent for linked contacts."""
    from oncord.sync import outbox

    for contact in contacts:
        if contact.is_linked:
            outbox.queue_push(contact)


def open_cancel_requests(contact_id: int | None = None, limit: int = 50) -> list[InboundSms]:
    """Replies that say cancel or reschedule and no one has marked done, newest first."""
    query = select(InboundSms).where(InboundSms.may_cancel.is_(True), InboundSms.done_at.is_(None))
    if contact_id is not None:
        query = query.where(InboundSms.contact_id == contact_id)
    query = query.options(selectinload(InboundSms.contact)).order_by(InboundSms.received_at.desc(), InboundSms.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def mark_done(reply: InboundSms, user_id: int | None) -> None:
    """Staff dealt with it: the same SMS on other contacts sharing the number is done too."""
    now = utcnow()
    for row in db.session.scalars(select(InboundSms).where(InboundSms.message_sid == reply.message_sid,
                                                          InboundSms.done_at.is_(None))):
        row.done_at, row.done_by_id = now, user_id
