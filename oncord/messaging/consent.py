"""Changing a contact's email or SMS status, always with a consent-ledger row saying who, how and why.

Every status change goes through here (`set_status`), or, for the pull's bulk writes,
`record_changes`; an unchanged status writes nothing. Helpers add, the caller commits.
Each keeps `Contact.<channel>_consent_source` equal to the source of the newest ledger row,
so campaigns can ask in SQL whether consent was given explicitly.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from oncord.extensions import db
from oncord.models import ConsentChange, ConsentSource, ConsentStatus, Contact, User
from oncord.timestamps import utcnow

CHANNELS = ("email", "sms")


def set_status(contact: Contact, channel: str, new_status: str, source: ConsentSource | str,
               evidence: dict | None = None, user: User | int | None = None,
               now: datetime | None = None) -> ConsentChange | None:
    """Set the contact's `channel` status and record the change; None (and no row) when unchanged.

    `user`: the staff member (or their id) who made it; `evidence`: what proves it (message id,
    inbound SMS id, IP address and User-Agent of a web unsubscribe...).
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    old = getattr(contact, f"{channel}_status")
    if old == new_status:
        return None
    now = now or utcnow()
    setattr(contact, f"{channel}_status", new_status)
    setattr(contact, f"{channel}_status_changed_at", now)
    setattr(contact, f"{channel}_consent_source", ConsentSource(source).value)
    if contact.id is None:
        db.session.add(contact)
        db.session.flush()
    change = ConsentChange(
        contact_id=contact.id, cliniko_patient_id=contact.cliniko_patient_id, channel=channel, old_status=old,
        new_status=new_status, source=ConsentSource(source).value, evidence=evidence or {},
        user_id=user.id if isinstance(user, User) else user, created_at=now)
    db.session.add(change)
    return change


def unsubscribe(contact: Contact, channel: str, *, source: ConsentSource | str, evidence: dict | None = None,
                user: User | int | None = None, now: datetime | None = None) -> ConsentChange | None:
    """Unsubscribe `contact` from `channel`'s marketing, with the ledger row; None if they already were.

    A linked contact's new status waits in the push outbox, so Cliniko's `accepted_*_marketing`
    becomes false in the next push; the caller commits, then calls `sync.outbox.queue_push`.
    """
    from oncord.sync import outbox  # sync sits beside messaging; imported late to keep the layers apart

    now = now or utcnow()
    before = {f"{channel}_status": getattr(contact, f"{channel}_status", None)}
    change = set_status(contact, channel, ConsentStatus.UNSUBSCRIBED.value, source, evidence=evidence, user=user,
                        now=now)
    if change is not None:
        outbox.record_edits(contact, before, user_id=user.id if isinstance(user, User) else user, now=now)
    return change


def resubscribe(contact: Contact, channel: str, *, source: ConsentSource | str, evidence: dict | None = None,
                user: User | int | None = None, now: datetime | None = None) -> ConsentChange | None:
    """Subscribe `contact` to `channel` again (START after STOP), with the ledger row; Cliniko as `unsubscribe`."""
    from oncord.sync import outbox

    now = now or utcnow()
    before = {f"{channel}_status": getattr(contact, f"{channel}_status", None)}
    change = set_status(contact, channel, ConsentStatus.SUBSCRIBED.value, source, evidence=evidence, user=user,
                        now=now)
    if change is not None:
        outbox.record_edits(contact, before, user_id=user.id if isinstance(user, User) else user, now=now)
    return change

def record_new_contact(contact: Contact, source: ConsentSource | str, evidence: dict | None = None,
                       user: User | int | None = None, now: datetime | None = None) -> list[ConsentChange]:
    """A new contact's first statuses (old status: none), so the ledger starts where the contact does."""
    now = now or utcnow()
    for channel in CHANNELS:
        setattr(contact, f"{channel}_consent_source", ConsentSource(source).value)
    if contact.id is None:
        db.session.add(contact)
        db.session.flush()
    changes = [ConsentChange(contact_id=contact.id, cliniko_patient_id=contact.cliniko_patient_id, channel=channel,
                             old_status=None, new_status=getattr(contact, f"{channel}_status"),
                             source=ConsentSource(source).value, evidence=evidence or {},
                             user_id=user.id if isinstance(user, User) else user, created_at=now)
               for channel in CHANNELS]
    db.session.add_all(changes)
    return changes


@dataclass(frozen=True, slots=True)
class PulledChange:
    """A status the pull wrote in bulk: the contact is found by patient id once the rows exist."""

    patient_id: int
    channel: str
    old_status: str | None
    new_status: str
    evidence: dict


def record_changes(changes: Iterable[PulledChange], *, source: ConsentSource | str, now: datetime) -> int:
    """Ledger rows for statuses already written by a bulk statement (the Cliniko pull)."""
    changes = [c for c in changes if c.old_status != c.new_status]
    if not changes:
        return 0
    contact_ids = dict(db.session.execute(select(Contact.cliniko_patient_id, Contact.id)
                                          .where(Contact.cliniko_patient_id.in_({c.patient_id for c in changes}))).all())
    db.session.execute(ConsentChange.__table__.insert(), [
        {"contact_id": contact_ids.get(c.patient_id), "cliniko_patient_id": c.patient_id, "channel": c.channel,
         "old_status": c.old_status, "new_status": c.new_status, "source": ConsentSource(source).value,
         "evidence": c.evidence, "user_id": None, "created_at": now, "cliniko_told_at": None}
        for c in changes])
    for channel in CHANNELS:
        if patient_ids := {c.patient_id for c in changes if c.channel == channel}:
            db.session.execute(update(Contact).where(Contact.cliniko_patient_id.in_(patient_ids))
                               .values({f"{channel}_consent_source": ConsentSource(source).value})
                               .execution_options(synchronize_session=False))
    return len(changes)

