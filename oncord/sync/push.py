"""Sending waiting edits to Cliniko: one PATCH per contact with only the changed fields.

Runs at the end of a sync run, under the same lock, right after the pull: the pull has
already settled conflicts (see `sync.patients`), so what is left to push is oncord's.
During a long pull, due edits go between pages, each patient read (and settled) first.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from oncord import cliniko
from oncord.extensions import db
from oncord.models import (ActivityEvent, ConsentChange, ConsentSource, ConsentStatus, Contact, EventKind, OutboxEdit,
                           OutboxStatus)
from oncord.sync.patients import PageResult, adopt_patient, apply_patients
from oncord.timestamps import utcnow

# oncord field -> Cliniko patient field (phone and consent are translated on their own).
CLINIKO_NAMES = {
    "first_name": "first_name", "last_name": "last_name", "email": "email", "address_1": "address_1",
    "address_2": "address_2", "address_3": "address_3", "city": "city", "post_code": "post_code",
    "state": "state", "country_code": "country_code", "date_of_birth": "date_of_birth",
    "gender": "gender_identity", "sex": "sex",
    "email_status": "accepted_email_marketing", "sms_status": "accepted_sms_marketing",
}
PHONE_RANK = {"Mobile": 0, "Home": 1, "Work": 2, "Other": 3, "Fax": 4}


def push_delay() -> timedelta:
    return timedelta(seconds=int(current_app.config["PUSH_DELAY_SECONDS"]))


def due_contact_ids(now: datetime, everything: bool) -> list[int]:
    """Contacts with waiting edits whose batch is due (the first waiting edit is old enough)."""
    query = (select(OutboxEdit.contact_id).where(OutboxEdit.status == OutboxStatus.PENDING.value)
             .group_by(OutboxEdit.contact_id).order_by(func.min(OutboxEdit.first_edited_at)))
    if not everything:
        query = query.having(func.min(OutboxEdit.first_edited_at) <= now - push_delay())
    return list(db.session.scalars(query))


def next_due_at() -> datetime | None:
    """When the next waiting batch falls due, if any edits wait."""
    first = db.session.scalar(select(func.min(OutboxEdit.first_edited_at)).where(
        OutboxEdit.status == OutboxStatus.PENDING.value))
    return None if first is None else first + push_delay()


def cliniko_fields(contact: Contact, edits: list[OutboxEdit]) -> dict:
    """The PATCH body's fields, in Cliniko's names, for these edits only."""
    fields = {}
    for edit in edits:
        value = edit.value.get("v")
        if edit.field == "phone":
            fields["patient_phone_numbers"] = phone_list(contact.cliniko_phone_numbers or [], value)
        elif edit.field in ("email_status", "sms_status"):
            fields[CLINIKO_NAMES[edit.field]] = value == ConsentStatus.SUBSCRIBED.value
        else:
            fields[CLINIKO_NAMES[edit.field]] = value
    return fields


def phone_list(numbers: list[dict], new_number: str | None) -> list[dict]:
    """Cliniko replaces the whole list: keep every other number, change the primary one."""
    numbers = [dict(n) for n in numbers]
    primary = min(range(len(numbers)), key=lambda i: PHONE_RANK.get(numbers[i].get("phone_type"), 9), default=None)
    if primary is None:
        return [{"phone_type": "Mobile", "number": new_number}] if new_number else []
    if new_number:
        numbers[primary]["number"] = new_number
    else:
        numbers.pop(primary)
    return [{"phone_type": n.get("phone_type") or "Mobile", "number": n["number"]} for n in numbers]


def push_contact(client: cliniko.ClinikoClient, contact: Contact, *, run_id: int, now: datetime) -> PageResult:
    """PATCH one contact's waiting edits; record the outcome. Raises on 429/5xx/network
    (the edits stay and the run is retried)."""
    result = PageResult()
    edits = [e for e in db.session.scalars(select(OutboxEdit).where(OutboxEdit.contact_id == contact.id,
                                                                    OutboxEdit.status == OutboxStatus.PENDING.value))]
    if not edits:
        return result
    taken = {e.id: e.edited_at for e in edits}
    names = sorted(e.field for e in edits)
    try:
        patient = client.update_patient(contact.cliniko_patient_id, cliniko_fields(contact, edits))
    except cliniko.ValidationFailed as exc:
        message = "; ".join(f"{field.replace('_', ' ')} {text}" for field, text in exc.errors.items()) or str(exc)
        for edit in edits:
            edit.status, edit.error, edit.attempts = OutboxStatus.REJECTED.value, message, edit.attempts + 1
        _event(contact, EventKind.PUSH_REJECTED, now, run_id, fields=names, message=message)
        result.skipped += 1
        result.problems.append(f"contact {contact.id} (patient {contact.cliniko_patient_id}): Cliniko refused {', '.join(names)}: {message}")
        return result
    except cliniko.NotFound:
        patient_id = contact.cliniko_patient_id
        contact.link_note = (f"Unlinked on {now:%Y-%m-%d}: Cliniko patient {patient_id} no longer exists, "
                             f"so the edits to {', '.join(names)} stayed in oncord only.")
        contact.cliniko_patient_id = None
        db.session.execute(delete(OutboxEdit).where(OutboxEdit.contact_id == contact.id))
        _event(contact, EventKind.UNLINKED, now, run_id, fields=names, patient_id=str(patient_id))
        result.problems.append(f"contact {contact.id}: patient {patient_id} is gone from Cliniko; contact unlinked")
        result.updated += 1
        return result
    # Edits made while the PATCH was on its way stay for the next push.
    sent = [e for e in edits if e.edited_at == taken[e.id]]
    for edit in sent:
        db.session.delete(edit)
    _mark_consent_told(contact, [e for e in sent if e.field in CONSENT_FIELDS], now)
    db.session.flush()
    adopt_patient(contact, patient, keep=set(_still_waiting(contact.id)))
    _event(contact, EventKind.PUSHED_TO_CLINIKO, now, run_id, fields=sorted(e.field for e in sent))
    result.updated += 1
    return result


def push_pending(client: cliniko.ClinikoClient, *, run_id: int, everything: bool,
                 on_contact: Callable[[PageResult], None],
                 before_push: Callable[[Contact], None] | None = None) -> int:
    """Push every due contact, committing after each; returns how many were due.
    `before_push(contact)`: settle conflicts first when no pull has just done so."""
    ids = due_contact_ids(utcnow(), everything)
    for contact_id in ids:
        contact = db.session.get(Contact, contact_id)
        if contact is None or not contact.is_linked:
            db.session.execute(delete(OutboxEdit).where(OutboxEdit.contact_id == contact_id))
            continue
        if before_push is not None:
            before_push(contact)
            if not contact.is_linked:
                continue
        on_contact(push_contact(client, contact, run_id=run_id, now=utcnow()))
    return len(ids)


CONSENT_FIELDS = {"email_status": "email", "sms_status": "sms"}
# Ledger rows that began in Cliniko, or concern only oncord, are not something to tell it.
NOT_TOLD = (ConsentSource.CLINIKO_PULL.value, ConsentSource.CONTACT_CREATED.value, ConsentSource.ERASE.value)


def _mark_consent_told(contact: Contact, edits: list[OutboxEdit], now: datetime) -> None:
    """The consent-ledger rows this push carried to Cliniko (the law asks when it was told)."""
    for edit in edits:
        db.session.execute(
            update(ConsentChange).where(
                ConsentChange.contact_id == contact.id, ConsentChange.channel == CONSENT_FIELDS[edit.field],
                ConsentChange.cliniko_told_at.is_(None), ConsentChange.source.not_in(NOT_TOLD),
                ConsentChange.created_at <= edit.edited_at)
            .values(cliniko_told_at=now).execution_options(synchronize_session=False))


def _still_waiting(contact_id: int) -> list[str]:
    return list(db.session.scalars(select(OutboxEdit.field).where(OutboxEdit.contact_id == contact_id)))


def _event(contact: Contact, kind: EventKind, now: datetime, run_id: int, **data) -> None:
    db.session.add(ActivityEvent(contact_id=contact.id, kind=kind.value, occurred_at=now, recorded_at=now,
                                 sync_run_id=run_id, data=data))


def queue_next_push(connection_id: int) -> None:
    """Edits still waiting get a job for when their batch falls due."""
    if (next_due := next_due_at()) is not None:
        from oncord.sync import schedule

        schedule.queue_push(connection_id, next_due)


class PushWhenDue:
    """Mid-pull, every few seconds: send edits whose batch fell due, reading each patient
    first (the pull may not have reached its latest change, so conflicts are settled
    before the PATCH, as the pull itself would)."""

    def __init__(self, client: cliniko.ClinikoClient, connection, recorder):
        self.client, self.connection, self.recorder = client, connection, recorder
        self.checked_at = time.monotonic()

    def every(self) -> float:
        return max(1, min(15, int(push_delay().total_seconds()) // 4))

    def __call__(self, force: bool = False) -> None:
        if not force and time.monotonic() - self.checked_at < self.every():
            return
        self.checked_at = time.monotonic()
        if not due_contact_ids(utcnow(), everything=False):
            return
        push_pending(self.client, run_id=self.recorder.run.id, everything=False,
                     on_contact=lambda result: self.recorder.tally("pushing edits", result),
                     before_push=self.read_patient)
        queue_next_push(self.connection.id)

    def read_patient(self, contact: Contact) -> None:
        try:
            patient = self.client.patient(contact.cliniko_patient_id)
        except cliniko.NotFound:
            return  # the PATCH finds out too, and unlinks the contact
        apply_patients([patient], run_id=self.recorder.run.id, backfill=self.connection.last_full_sync_at is None)
        db.session.flush()
        db.session.expire(contact)
