"""Patients to contacts, one page at a time, with the activity events their changes imply."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, inspect, select, update

from oncord.cliniko import DeletedRecord, Patient
from oncord.extensions import db
from oncord.messaging import consent, suppressions
from oncord.models import (
    ActivityEvent, Appointment, ConsentSource, Contact, DeletedContactLink, EventKind, OutboxEdit, contact_search_text,
)
from oncord.sync.consent import pulled_status
from oncord.sync.upsert import Refused, bulk_upsert, fit_to_columns
from oncord.timestamps import utcnow

# Fields copied from Cliniko, compared to decide whether a contact changed.
SYNCED_FIELDS = (
    "first_name", "last_name", "email", "phone", "phone_raw", "address_1", "address_2", "address_3", "city",
    "post_code", "state", "country", "country_code", "date_of_birth", "gender", "sex",
)
MARKERS = ("cliniko_archived_at", "cliniko_deleted_at", "merged_into_patient_id")


@dataclass
class PageResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    erased: int = 0  # patients erased from oncord (suppressed): skipped, and nothing about them kept
    problems: list[str] = field(default_factory=list)

    def add_to(self, tally: Counter) -> None:
        tally.update(created=self.created, updated=self.updated, unchanged=self.unchanged, skipped=self.skipped)
        if self.erased:
            tally.update(erased=self.erased)

    def count_row(self, old, row: dict, compared) -> bool:
        """Counts `row` as created, updated or unchanged against the stored `old`; True when it must be written."""
        if old is not None and all(getattr(old, name) == row[name] for name in compared):
            self.unchanged += 1
            return False
        if old is None:
            self.created += 1
        else:
            self.updated += 1
        return True

    def count_refused(self, resource: str, refused: Sequence[Refused], existed) -> None:
        """Rows counted as created or updated that the database then refused: skipped instead."""
        for row in refused:
            if row.key in existed:
                self.updated -= 1
            else:
                self.created -= 1
            self.skipped += 1
            self.problems.append(f"skipped {resource} {row.key}: {row.reason}")


def contact_fields(patient: Patient) -> dict:
    """The contact's synced fields as this patient has them."""
    phone = patient.primary_phone
    raw_phone = phone.number.strip() if phone and phone.number else None
    return {
        "first_name": (patient.first_name or "").strip(),
        "last_name": (patient.last_name or "").strip(),
        "email": (patient.email or "").strip() or None,
        "phone": normalise_phone(raw_phone, patient.country_code),
        "phone_raw": raw_phone,
        "address_1": patient.address_1, "address_2": patient.address_2, "address_3": patient.address_3,
        "city": patient.city, "post_code": patient.post_code, "state": patient.state,
        "country": patient.country, "country_code": (patient.country_code or "").upper() or None,
        "date_of_birth": patient.date_of_birth,
        "gender": patient.gender_identity or patient.gender,
        "sex": patient.sex,
    }


def repair(fields: dict, patient_id: int) -> list[str]:
    """Fix what Cliniko let through that oncord cannot use; say what was done."""
    # Problems are stored and logged: they name the field, never its value.
    problems = fit_to_columns(Contact.__table__, fields, f"patient {patient_id}")
    if fields["email"] and not _valid_email(fields["email"]):
        problems.append(f"patient {patient_id}: email is not a valid address; left empty")
        fields["email"] = None
    if not fields["first_name"] and not fields["last_name"]:
        problems.append(f"patient {patient_id} has no name")
    return problems


def _valid_email(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def normalise_phone(raw: str | None, country_code: str | None) -> str | None:
    """E.164 when the number parses (Australian by default), else None (the raw value is kept)."""
    if not raw:
        return None
    try:
        parsed = phonenumbers.parse(raw, (country_code or "AU").upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def apply_patients(patients: Sequence[Patient], *, run_id: int, backfill: bool) -> PageResult:
    """Upsert one page of patients into contacts and record what changed. The caller commits."""
    result = PageResult()
    patients = list({p.id: p for p in patients}.values())  # a page may repeat a row
    patients = _without_erased(patients, result)
    if not patients:
        return result
    existing = {
        row.cliniko_patient_id: row
        for row in db.session.scalars(select(Contact).where(Contact.cliniko_patient_id.in_([p.id for p in patients])))
    }
    patients = _without_deleted_contacts([p for p in patients if p.id not in existing], patients, result)
    linkable = _unlinked_by_email([p for p in patients if p.id not in existing])
    waiting = _waiting_edits([c.id for c in existing.values()])
    now = utcnow()
    rows, events, linked_by_email, consent_changes = [], [], set(), []
    for patient in patients:
        contact = existing.get(patient.id)
        if contact is not None and contact.id in waiting:
            _settle_conflicts(patient, contact, waiting[contact.id], run_id, now)
        if contact is None and patient.email and len(linkable.get(patient.email.strip().lower(), [])) == 1:
            contact = linkable.pop(patient.email.strip().lower())[0]
            linked_by_email.add(contact.id)
        values, kinds = _merge(patient, contact, now, result.problems,
                               waiting.get(contact.id, {}) if contact is not None else {})
        if values is None:
            result.unchanged += 1
            continue
        consent_changes.extend(_consent_changes(patient, contact, values, run_id))
        if contact is None:
            matches = linkable.get((patient.email or "").strip().lower(), [])
            if len(matches) > 1:
                values["link_note"] = (f"Not linked to {len(matches)} existing contacts with the same email "
                                       f"({patient.email}); created as a new contact.")
                result.problems.append(f"patient {patient.id}: {len(matches)} contacts share its email; not linked")
            values |= {"cliniko_patient_id": patient.id, "created_at": now}
            rows.append(values)
            result.created += 1
            kinds = [EventKind.PATIENT_IMPORTED]
        elif contact.id in linked_by_email:
            values["link_note"] = f"Linked to Cliniko patient {patient.id} by matching email address."
            db.session.execute(update(Contact).where(Contact.id == contact.id).values(cliniko_patient_id=patient.id, **values))
            result.updated += 1
        else:
            values["cliniko_patient_id"] = patient.id
            rows.append(values)
            result.updated += 1
        events.extend((patient, kind) for kind in kinds)
    if rows and (refused := _upsert_contacts(rows)):
        result.count_refused("patient", refused, existed=existing)
        gone = {row.key for row in refused}
        events = [(patient, kind) for patient, kind in events if patient.id not in gone]
        consent_changes = [change for change in consent_changes if change.patient_id not in gone]
    consent.record_changes(consent_changes, source=ConsentSource.CLINIKO_PULL, now=now)
    if events or rows:
        _record(events, run_id=run_id, backfill=backfill, now=now)
        _attach_orphan_appointments([p.id for p in patients])
    return result


def _merge(patient: Patient, contact: Contact | None, now: datetime, problems: list[str],
           waiting: dict[str, OutboxEdit]) -> tuple[dict | None, list[EventKind]]:
    """The contact's new column values and the events they imply; (None, []) when unchanged."""
    fields = contact_fields(patient)
    problems.extend(repair(fields, patient.id))
    gone = patient.archived_at is not None or patient.deleted_at is not None
    if contact is not None and gone:
        # An archived or deleted patient never empties its contact: keep what we had.
        fields = {k: (v if v not in (None, "") else getattr(contact, k)) for k, v in fields.items()}
    values = dict(fields)
    values |= {
        "cliniko_archived_at": patient.archived_at,
        "cliniko_deleted_at": patient.deleted_at,
        "merged_into_patient_id": patient.merged_with_patient_id,
        "cliniko_accepts_email": patient.accepted_email_marketing,
        "cliniko_accepts_sms": patient.accepted_sms_marketing,
        "cliniko_phone_numbers": [{"phone_type": n.phone_type, "number": n.number} for n in patient.patient_phone_numbers],
        "cliniko_created_at": patient.created_at,
        "cliniko_updated_at": patient.updated_at,
        "email_lower": fields["email"].lower() if fields["email"] else None,
        "search_text": contact_search_text(fields["first_name"], fields["last_name"], fields["email"], fields["phone"] or fields["phone_raw"]),
        "updated_at": now,
    }
    for channel, flag_name in (("email", "accepted_email_marketing"), ("sms", "accepted_sms_marketing")):
        current = getattr(contact, f"{channel}_status") if contact else None
        stored = getattr(contact, f"cliniko_accepts_{channel}") if contact else None
        changed_at = getattr(contact, f"{channel}_status_changed_at") if contact else None
        status = pulled_status(current, stored, getattr(patient, flag_name), changed_at, patient.updated_at)
        values[f"{channel}_status"] = status
        values[f"{channel}_status_changed_at"] = changed_at if status == current else now
    if contact is None:
        return values, []
    keep_waiting_values(values, contact, waiting)
    before = {k: getattr(contact, k) for k in values if k != "updated_at"}
    if all(before[k] == values[k] for k in before):
        return None, []
    return values, _events_for_change(contact, values)


def _consent_changes(patient: Patient, contact: Contact | None, values: dict, run_id: int) -> list:
    """The consent-ledger rows this pull's statuses imply (none where a status stays)."""
    return [consent.PulledChange(
        patient_id=patient.id, channel=channel, old_status=getattr(contact, f"{channel}_status") if contact else None,
        new_status=values[f"{channel}_status"],
        evidence={"sync_run_id": run_id, flag: getattr(patient, flag), "patient_updated_at": patient.updated_at.isoformat()})
        for channel, flag in (("email", "accepted_email_marketing"), ("sms", "accepted_sms_marketing"))
        if contact is None or getattr(contact, f"{channel}_status") != values[f"{channel}_status"]]


def _waiting_edits(contact_ids: list[int]) -> dict[int, dict[str, OutboxEdit]]:
    found: dict[int, dict[str, OutboxEdit]] = {}
    if contact_ids:
        for edit in db.session.scalars(select(OutboxEdit).where(OutboxEdit.contact_id.in_(contact_ids))):
            found.setdefault(edit.contact_id, {})[edit.field] = edit
    return found


def _settle_conflicts(patient: Patient, contact: Contact, edits: dict[str, OutboxEdit], run_id: int,
                      now: datetime) -> None:
    """A field edited in oncord and changed in Cliniko since: the later change wins.

    Cliniko's change wins by dropping our waiting edit (the contact takes Cliniko's value);
    ours wins by keeping the contact's value, so the push overwrites Cliniko's. Either way
    the losing value goes into the activity feed. Fields with no conflict keep oncord's value.
    """
    fields = contact_fields(patient)
    flags = {"email_status": patient.accepted_email_marketing, "sms_status": patient.accepted_sms_marketing}
    for name, edit in edits.items():
        if name in flags:
            continue  # a consent change made in oncord stands until it is pushed
        theirs, was, ours = _plain(fields.get(name)), edit.value.get("was"), edit.value.get("v")
        if theirs == was or theirs == ours:
            continue
        cliniko_wins = patient.updated_at > edit.edited_at
        db.session.add(ActivityEvent(
            contact_id=contact.id, kind=EventKind.CONFLICT_RESOLVED.value, occurred_at=now, recorded_at=now,
            sync_run_id=run_id, data={"field": name, "kept": "cliniko" if cliniko_wins else "oncord",
                                      "kept_value": theirs if cliniko_wins else ours,
                                      "overwritten_value": ours if cliniko_wins else theirs}))
        if cliniko_wins:
            db.session.delete(edit)
        else:
            edit.value = {"v": ours, "was": theirs}
    db.session.flush()


def keep_waiting_values(values: dict, contact: Contact, waiting: dict[str, OutboxEdit]) -> None:
    """Fields with a waiting edit keep oncord's value until the push (a conflict Cliniko
    won has already removed its edit)."""
    for edit in waiting.values():
        if inspect(edit).deleted or inspect(edit).was_deleted:
            continue
        if edit.field in values:
            values[edit.field] = getattr(contact, edit.field)
            if edit.field in ("email_status", "sms_status"):
                values[f"{edit.field}_changed_at"] = getattr(contact, f"{edit.field}_changed_at")


def _without_erased(patients: list[Patient], result: PageResult) -> list[Patient]:
    """Drop patients an admin erased from oncord (an active suppression): one indexed query per page."""
    erased = suppressions.suppressed_patient_ids(p.id for p in patients)
    result.erased += len(erased)
    return [p for p in patients if p.id not in erased] if erased else patients


def _without_deleted_contacts(new: list[Patient], patients: list[Patient], result: PageResult) -> list[Patient]:
    """Drop patients whose contact staff deleted, unless the patient changed in Cliniko since."""
    if not new:
        return patients
    links = {link.patient_id: link for link in db.session.scalars(
        select(DeletedContactLink).where(DeletedContactLink.patient_id.in_([p.id for p in new])))}
    kept = []
    for patient in patients:
        link = links.get(patient.id)
        if link is None:
            kept.append(patient)
        elif link.patient_updated_at is not None and patient.updated_at > link.patient_updated_at:
            db.session.delete(link)  # changed in Cliniko after the deletion: it comes back
            kept.append(patient)
        else:
            result.unchanged += 1
    return kept


def adopt_patient(contact: Contact, patient: Patient, keep: set[str]) -> None:
    """Take Cliniko's answer to our PATCH as the new baseline, quietly: it is our own change
    coming back, so the next pull finds nothing new (no echo). `keep`: fields still waiting."""
    fields = contact_fields(patient)
    repair(fields, patient.id)
    for name, value in fields.items():
        if name not in keep:
            setattr(contact, name, value)
    contact.cliniko_phone_numbers = [{"phone_type": n.phone_type, "number": n.number} for n in patient.patient_phone_numbers]
    contact.cliniko_accepts_email = patient.accepted_email_marketing
    contact.cliniko_accepts_sms = patient.accepted_sms_marketing
    contact.cliniko_updated_at = patient.updated_at
    contact.email_lower = contact.email.lower() if contact.email else None
    contact.search_text = contact_search_text(contact.first_name, contact.last_name, contact.email, contact.phone or contact.phone_raw)


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _events_for_change(contact: Contact, values: dict) -> list[EventKind]:
    kinds = []
    if values["cliniko_deleted_at"] and not contact.cliniko_deleted_at:
        kinds.append(EventKind.PATIENT_DELETED)
    if values["merged_into_patient_id"] and not contact.merged_into_patient_id:
        kinds.append(EventKind.PATIENT_MERGED)
    elif values["cliniko_archived_at"] and not contact.cliniko_archived_at:
        kinds.append(EventKind.PATIENT_ARCHIVED)
    elif not values["cliniko_archived_at"] and contact.cliniko_archived_at:
        kinds.append(EventKind.PATIENT_UNARCHIVED)
    if any(getattr(contact, k) != values[k] for k in SYNCED_FIELDS):
        kinds.append(EventKind.PATIENT_UPDATED)
    return kinds


def _unlinked_by_email(patients: Sequence[Patient]) -> dict[str, list[Contact]]:
    emails = {p.email.strip().lower() for p in patients if p.email and p.email.strip()}
    if not emails:
        return {}
    found: dict[str, list[Contact]] = {}
    query = select(Contact).where(Contact.cliniko_patient_id.is_(None), Contact.email_lower.in_(emails))
    for contact in db.session.scalars(query):
        found.setdefault(contact.email_lower, []).append(contact)
    return found


def _upsert_contacts(rows: list[dict]) -> list[Refused]:
    # One multi-row statement needs the same columns in every row: fill the gaps.
    columns = set().union(*rows) | {"created_at"}
    full = [{**dict.fromkeys(columns), "created_at": row["updated_at"], **row} for row in rows]
    keep_on_update = {"created_at", "cliniko_patient_id", "link_note"}
    return bulk_upsert(Contact.__table__, full, key="cliniko_patient_id",
                       update=[c for c in columns if c not in keep_on_update])


def _record(events: list[tuple[Patient, EventKind]], *, run_id: int, backfill: bool, now: datetime) -> None:
    if not events:
        return
    ids = {p.id for p, _ in events}
    contact_ids = dict(db.session.execute(
        select(Contact.cliniko_patient_id, Contact.id).where(Contact.cliniko_patient_id.in_(ids))).all())
    rows = []
    for patient, kind in events:
        occurred = {
            EventKind.PATIENT_ARCHIVED: patient.archived_at, EventKind.PATIENT_DELETED: patient.deleted_at,
            EventKind.PATIENT_MERGED: patient.merged_at, EventKind.PATIENT_IMPORTED: patient.created_at,
        }.get(kind) or patient.updated_at
        data = {"patient_id": str(patient.id)}
        if kind is EventKind.PATIENT_MERGED and patient.merged_with_patient_id:
            data["merged_into"] = str(patient.merged_with_patient_id)
        rows.append({"contact_id": contact_ids.get(patient.id), "kind": kind.value, "occurred_at": occurred,
                     "recorded_at": now, "backfill": backfill and kind is EventKind.PATIENT_IMPORTED,
                     "sync_run_id": run_id, "data": data, "appointment_id": None})
    db.session.execute(ActivityEvent.__table__.insert(), rows)


def _attach_orphan_appointments(patient_ids: list[int]) -> None:
    """Appointments pulled before their patient get their contact once the patient arrives."""
    contact_for = select(Contact.id).where(Contact.cliniko_patient_id == Appointment.patient_id).scalar_subquery()
    db.session.execute(
        update(Appointment)
        .where(Appointment.contact_id.is_(None), Appointment.patient_id.in_(patient_ids))
        .values(contact_id=contact_for)
    )


def mark_deleted(deleted: Sequence[DeletedRecord], *, run_id: int) -> PageResult:
    """Mark the contacts of patients deleted in Cliniko; the contacts themselves stay."""
    result = PageResult()
    when = {d.id: d.deleted_at for d in deleted}
    known = db.session.scalars(select(Contact).where(Contact.cliniko_patient_id.in_(when))).all()
    contacts = [c for c in known if c.cliniko_deleted_at is None]
    now = utcnow()
    for contact in contacts:
        contact.cliniko_deleted_at = when[contact.cliniko_patient_id]
        db.session.add(ActivityEvent(contact_id=contact.id, kind=EventKind.PATIENT_DELETED.value,
                                     occurred_at=contact.cliniko_deleted_at, recorded_at=now, sync_run_id=run_id,
                                     data={"patient_id": str(contact.cliniko_patient_id)}))
    result.updated = len(contacts)
    # Patients deleted before oncord ever saw them are not ours to count.
    result.unchanged = len(known) - len(contacts)
    return result


def apply_merges() -> int:
    """Settle the merges Cliniko made; returns how many changed something (the caller commits).

    The absorbed contact keeps its own story and says where it went; its appointments, with their
    history, go where Cliniko moved them: to the survivor, whose feed records the merge at the time
    it happened. Runs after every pull: a merge already settled is only looked at.
    """
    absorbed = db.session.execute(select(
        Contact.id, Contact.cliniko_patient_id, Contact.merged_into_patient_id, Contact.cliniko_archived_at,
        Contact.cliniko_updated_at).where(Contact.merged_into_patient_id.is_not(None))).all()
    if not absorbed:
        return 0
    survivors = dict(db.session.execute(select(Contact.cliniko_patient_id, Contact.id).where(
        Contact.cliniko_patient_id.in_({row.merged_into_patient_id for row in absorbed}))).all())
    settled = {(contact_id, (data or {}).get("absorbed_patient_id")) for contact_id, data in db.session.execute(
        select(ActivityEvent.contact_id, ActivityEvent.data).where(ActivityEvent.kind == EventKind.PATIENT_MERGED_IN.value))}
    holding = dict(db.session.execute(
        select(Appointment.contact_id, func.count()).where(Appointment.contact_id.in_([row.id for row in absorbed]))
        .group_by(Appointment.contact_id)).all())
    changed = 0
    for row in absorbed:
        survivor = survivors.get(row.merged_into_patient_id)
        if survivor is None or survivor == row.id:
            continue  # the survivor arrives in a later page or sync
        fresh = (survivor, str(row.cliniko_patient_id)) not in settled
        if holding.get(row.id):
            _move_appointments(row.id, survivor)
        if fresh:
            _record_merge(row, survivor)
        changed += bool(holding.get(row.id)) or fresh
    return changed


def _move_appointments(absorbed_id: int, survivor_id: int) -> None:
    """Appointments still on the absorbed contact follow the patient's, with their events."""
    db.session.execute(update(ActivityEvent).where(
        ActivityEvent.contact_id == absorbed_id, ActivityEvent.appointment_id.is_not(None)).values(contact_id=survivor_id))
    db.session.execute(update(Appointment).where(Appointment.contact_id == absorbed_id).values(contact_id=survivor_id))


def _record_merge(absorbed, survivor_id: int) -> None:
    """"Merged into <survivor>" on the absorbed contact, "<absorbed> was merged into this patient" on the survivor."""
    patient_id = str(absorbed.cliniko_patient_id)
    # Earlier versions moved the absorbed patient's own events to the survivor: give them back.
    for event in db.session.scalars(select(ActivityEvent).where(
            ActivityEvent.contact_id == survivor_id, ActivityEvent.appointment_id.is_(None),
            ActivityEvent.kind.startswith("patient_", autoescape=True))):
        if (event.data or {}).get("patient_id") == patient_id:
            event.contact_id = absorbed.id
    db.session.flush()
    own = db.session.scalars(select(ActivityEvent).where(
        ActivityEvent.contact_id == absorbed.id, ActivityEvent.appointment_id.is_(None),
        ActivityEvent.kind.in_([EventKind.PATIENT_MERGED.value, EventKind.PATIENT_IMPORTED.value]))).all()
    merged = next((e for e in own if e.kind == EventKind.PATIENT_MERGED.value), None)
    if merged is None:  # merged before oncord first saw it: the contact arrived already merged
        imported = next((e for e in own if e.kind == EventKind.PATIENT_IMPORTED.value), None)
        merged = ActivityEvent(
            contact_id=absorbed.id, kind=EventKind.PATIENT_MERGED.value,
            occurred_at=absorbed.cliniko_archived_at or absorbed.cliniko_updated_at or utcnow(),
            backfill=bool(imported and imported.backfill), sync_run_id=imported.sync_run_id if imported else None,
            data={"patient_id": patient_id, "merged_into": str(absorbed.merged_into_patient_id)})
        db.session.add(merged)
    db.session.add(ActivityEvent(
        contact_id=survivor_id, kind=EventKind.PATIENT_MERGED_IN.value, occurred_at=merged.occurred_at,
        backfill=merged.backfill, sync_run_id=merged.sync_run_id,
        data={"patient_id": str(absorbed.merged_into_patient_id), "absorbed_patient_id": patient_id}))
    db.session.flush()
