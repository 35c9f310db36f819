"""Fills a fresh world: a clinic (users, businesses, practitioners, appointment
types) plus N patients and M appointments, all from one seed.

Times are laid out relative to `anchor` (today's UTC midnight by default) so the
world is the same all day for a given seed, and nothing seeded lies in the future
of the clock except appointment start times.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cliniko_sandbox.people import People
from cliniko_sandbox.schema import columns
from cliniko_sandbox.store import TIME_FORMAT, IdMint, Store, format_time, utcnow

APPOINTMENT_TYPES = [
    ("Initial Consultation", 60, "#4a90e2"), ("Standard Consultation", 30, "#50e3c2"),
    ("Extended Consultation", 45, "#b8e986"), ("Follow-up Consultation", 30, "#f5a623"),
    ("Telehealth Consultation", 30, "#9013fe"), ("Remedial Massage", 60, "#d0021b"),
    ("Dry Needling", 30, "#417505"), ("Return Visit", 20, "#8b572a"),
]
DESIGNATIONS = ["Physiotherapist", "Osteopath", "Chiropractor", "Myotherapist",
                "Exercise Physiologist", "Podiatrist"]
CLINIC_ZONES = [("Melbourne", "Australia/Melbourne", "Victoria", "VIC", "3"),
                ("Sydney", "Australia/Sydney", "New South Wales", "NSW", "2")]
UTC_OFFSET_HOURS = 10  # clinic hours are laid out in AEST; DST is ignored on purpose


@dataclass
class Clinic:
    user_ids: list[int]
    business_ids: list[int]
    practitioner_ids: list[int]
    practitioner_businesses: dict[int, list[int]]
    type_ids: list[int]
    type_minutes: dict[int, int]


def default_anchor() -> datetime:
    return utcnow().replace(hour=0, minute=0, second=0)


def seed_world(store: Store, mint: IdMint, people: People, *, patients: int,
               appointments: int, anchor: datetime, classes: int = 0) -> Clinic:
    rng = random.Random(people.rng.random())
    clinic = seed_clinic(store, mint, people, rng, anchor)
    patient_ids = seed_patients(store, mint, people, rng, patients, anchor)
    seed_appointments(store, mint, rng, clinic, patient_ids, appointments, anchor)
    if classes:  # its own random stream: worlds without classes stay as they were
        seed_classes(store, mint, random.Random(f"classes-{rng.random()}"), clinic,
                     patient_ids, classes, anchor)
    return clinic


def seed_clinic(store: Store, mint: IdMint, people: People, rng: random.Random,
                anchor: datetime) -> Clinic:
    opened = anchor - timedelta(days=5 * 365)
    stamp = format_time(opened)
    n_practitioners = rng.randint(3, 10)
    n_businesses = rng.randint(1, 2)
    n_types = rng.randint(4, 8)

    admin_id, *practitioner_user_ids = mint.take(1 + n_practitioners)
    users = [_user(admin_id, "Alex", "Morgan", "administrator", stamp)]
    business_ids = mint.take(n_businesses)
    type_ids = mint.take(n_types)
    practitioner_ids = mint.take(n_practitioners)

    businesses = []
    for i, bid in enumerate(business_ids):
        label, zone, state, _, pc = CLINIC_ZONES[i % len(CLINIC_ZONES)]
        suburb = rng.choice(people.places)[0]
        name = f"{suburb} Physio & Health"
        businesses.append({
            "id": bid, "business_name": name, "display_name": name, "label": name,
            "address_1": rng.choice(people.streets), "address_2": None, "city": suburb,
            "state": state, "post_code": f"{pc}{rng.randint(0, 999):03d}",
            "country": "Australia", "country_code": "AU", "time_zone": label,
            "time_zone_identifier": zone, "email_reply_to": f"reception{i + 1}@clinic.example",
            "website_address": "https://clinic.example", "contact_information": people.phone()["number"],
            "additional_information": None, "additional_invoice_information": None,
            "business_registration_name": "ABN",
            "business_registration_value": f"{rng.randint(10, 99)} {rng.randint(100, 999)} "
                                           f"{rng.randint(100, 999)} {rng.randint(100, 999)}",
            "appointment_reminders_enabled": True, "show_in_online_bookings": True,
            "appointment_type_ids": type_ids, "archived_at": None, "deleted_at": None,
            "created_at": stamp, "updated_at": stamp,
        })

    types = []
    chosen = APPOINTMENT_TYPES[:2] + rng.sample(APPOINTMENT_TYPES[2:], n_types - 2)
    for tid, (name, minutes, color) in zip(type_ids, chosen):
        types.append(appointment_type_row(tid, stamp, name=name, duration_in_minutes=minutes,
                                          color=color, practitioner_ids=practitioner_ids))

    practitioners, by_business = [], {}
    for pid, uid in zip(practitioner_ids, practitioner_user_ids):
        first, last = rng.choice(people.first_names), rng.choice(people.last_names)
        title = rng.choice(["Dr", None, None])
        own = sorted(rng.sample(business_ids, rng.randint(1, n_businesses)))
        by_business[pid] = own
        users.append(_user(uid, first, last, "practitioner", stamp))
        practitioners.append(practitioner_row(
            pid, stamp, first_name=first, last_name=last, title=title, user_id=uid,
            designation=rng.choice(DESIGNATIONS), default_appointment_type_id=type_ids[1],
            business_ids=own))

    store.insert_many("users", users)
    store.insert_many("businesses", businesses)
    store.insert_many("appointment_types", types)
    store.insert_many("practitioners", practitioners)
    return Clinic(
        user_ids=[admin_id, *practitioner_user_ids], business_ids=business_ids,
        practitioner_ids=practitioner_ids, practitioner_businesses=by_business,
        type_ids=type_ids, type_minutes={t: m for t, (_, m, _) in zip(type_ids, chosen)},
    )


def _user(uid: int, first: str, last: str, role: str, stamp: str) -> dict[str, Any]:
    return {
        "id": uid, "first_name": first, "last_name": last, "title": None,
        "email": f"{first.lower()}.{last.lower()}@clinic.example".replace(" ", ""),
        "role": role, "time_zone": "Melbourne", "time_zone_identifier": "Australia/Melbourne",
        "active": True, "user_active": True, "phone_numbers": [],
        "created_at": stamp, "updated_at": stamp,
    }


def appointment_type_row(tid: int, stamp: str, **fields: Any) -> dict[str, Any]:
    row = {
        "id": tid, "name": None, "category": None, "color": "#4a90e2", "description": None,
        "duration_in_minutes": 30, "max_attendees": 1, "show_in_online_bookings": True,
        "telehealth_enabled": False, "online_payments_enabled": False,
        "add_deposit_to_account_credit": False, "online_payments_mode": None,
        "deposit_price": None, "online_bookings_lead_time_hours": None,
        "appointment_confirmation_template_ids": [], "appointment_reminder_template_ids": [],
        "appointment_follow_up_template_ids": [], "practitioner_ids": [],
        "archived_at": None, "created_at": stamp, "updated_at": stamp,
    }
    row.update(fields)
    row["telehealth_enabled"] = bool(row["telehealth_enabled"]) or "Telehealth" in (row["name"] or "")
    return row


def practitioner_row(pid: int, stamp: str, **fields: Any) -> dict[str, Any]:
    row = {
        "id": pid, "user_id": None, "first_name": None, "last_name": None, "title": None,
        "designation": None, "description": None, "active": True,
        "show_in_online_bookings": True, "default_appointment_type_id": None,
        "business_ids": [], "created_at": stamp, "updated_at": stamp,
    }
    row.update(fields)
    full = " ".join(p for p in (row["title"], row["first_name"], row["last_name"]) if p)
    row["display_name"] = row["label"] = full
    return row


def seed_patients(store: Store, mint: IdMint, people: People, rng: random.Random,
                  count: int, anchor: datetime) -> list[int]:
    """Bulk insert `count` patients the API lists (live, archived or merged) and, on top,
    the few seeded as deleted; returns the ids of patients that can still be booked."""
    cols = columns("patients")
    span = 5 * 365 * 86400
    fates = patient_fates(rng, count)
    # oldest first, so ids (minted in order) increase with created_at as Cliniko's do
    offsets = sorted((rng.randrange(86400, span) for _ in fates), reverse=True)
    rows, bookable = [], []
    for index, (pid, offset, fate) in enumerate(zip(mint.take(len(fates)), offsets, fates)):
        made = anchor - timedelta(seconds=offset)
        changed = made + timedelta(seconds=rng.randrange(offset)) if rng.random() < 0.4 else made
        row = {**people.patient(index), "id": pid, "created_at": format_time(made),
               "updated_at": format_time(changed)}
        if fate == "archived":
            row["archived_at"] = row["updated_at"]
        elif fate == "deleted":
            row["deleted_at"] = row["archived_at"] = row["updated_at"]
        elif fate == "merged" and bookable:
            row["merged_with_patient_id"] = rng.choice(bookable)
            row["merged_at"] = row["archived_at"] = row["updated_at"]
        else:
            bookable.append(pid)
        row["patient_phone_numbers"] = json.dumps(row["patient_phone_numbers"], ensure_ascii=False)
        rows.append(tuple(row.get(c) for c in cols))
    store.insert_tuples("patients", cols, rows)
    return bookable


def patient_fates(rng: random.Random, listed: int) -> list[str]:
    """What becomes of each seeded patient, drawn until `listed` of them are ones the API
    lists: deleted patients (hidden from every list but `/patients/deleted`) come on top."""
    fates: list[str] = []
    while listed > 0:
        roll = rng.random()
        fate = "archived" if roll < 0.03 else "deleted" if roll < 0.033 else "merged" if roll < 0.038 else "live"
        fates.append(fate)
        listed -= fate != "deleted"
    return fates


def seed_appointments(store: Store, mint: IdMint, rng: random.Random, clinic: Clinic,
                      patient_ids: list[int], count: int, anchor: datetime) -> None:
    if not patient_ids or count == 0:
        return
    cols = columns("appointments")
    ids = mint.take(count)
    attendee_ids = mint.take(count)
    anchor_ts = int(anchor.timestamp())
    day = 86400
    weights = [5 if m >= 45 else 10 for m in clinic.type_minutes.values()]
    type_choices = rng.choices(clinic.type_ids, weights=weights, k=count)
    raw = []
    for type_id in type_choices:
        day_offset = rng.randint(-730, 180)
        # a 15-minute slot between 08:00 and 17:45 clinic time
        slot = (8 - UTC_OFFSET_HOURS) * 3600 + rng.randrange(40) * 900
        starts = anchor_ts + day_offset * day + slot
        ends = starts + clinic.type_minutes[type_id] * 60
        created = min(starts - rng.randint(3600, 60 * day), anchor_ts - rng.randint(0, 3600))
        raw.append((created, starts, ends, type_id))
    raw.sort()
    rows = []
    for aid, att_id, (created, starts, ends, type_id) in zip(ids, attendee_ids, raw):
        practitioner = rng.choice(clinic.practitioner_ids)
        business = rng.choice(clinic.practitioner_businesses[practitioner])
        updated = created
        cancelled = reason = note = None
        arrived = dna = False
        past = ends < anchor_ts
        roll = rng.random()
        if roll < (0.10 if past else 0.05):
            cancelled = rng.randint(created, max(created, min(starts, anchor_ts)))
            reason = rng.choice((10, 20, 30, 40, 50, 60))
            note = rng.choice((None, "Called to cancel", "Cancelled via SMS reply"))
            updated = cancelled
        elif past:
            arrival = rng.random()
            arrived, dna = arrival < 0.88, 0.88 <= arrival < 0.94
            updated = min(ends + rng.randint(0, 7200), anchor_ts)
        archived = updated if rng.random() < 0.01 else None
        values = {
            "id": aid, "attendee_id": att_id, "starts_at": _ts(starts), "ends_at": _ts(ends),
            "appointment_type_id": type_id, "business_id": business,
            "practitioner_id": practitioner, "patient_id": rng.choice(patient_ids),
            "notes": None, "cancelled_at": _ts(cancelled), "cancellation_reason": reason,
            "cancellation_note": note, "did_not_arrive": int(dna), "patient_arrived": int(arrived),
            "online_booking_policy_accepted": None, "email_reminder_sent": int(past),
            "sms_reminder_sent": int(past), "has_patient_appointment_notes": 0,
            "archived_at": _ts(archived), "created_at": _ts(created), "updated_at": _ts(updated),
        }
        rows.append(tuple(values.get(c) for c in cols))
    store.insert_tuples("appointments", cols, rows)


def _ts(epoch: int | None) -> str | None:
    return None if epoch is None else time.strftime(TIME_FORMAT, time.gmtime(epoch))


CLASS_TYPES = [  # (name, minutes, places, colour)
    ("Clinical Pilates", 55, 8, "#e94e77"), ("Hydrotherapy", 45, 6, "#2d9cdb"),
    ("Falls Prevention Group", 60, 12, "#27ae60"), ("Strength & Balance Class", 45, 10, "#f2994a"),
    ("Pregnancy Pilates", 45, 4, "#bb6bd9"),
]
CLASS_WEEKS = range(-12, 4)  # twelve weeks of history, this week and three ahead


def seed_classes(store: Store, mint: IdMint, rng: random.Random, clinic: Clinic,
                 patient_ids: list[int], per_business: int, anchor: datetime) -> None:
    """`per_business` weekly classes at each business: most places taken, some seats
    cancelled, past ones marked arrived or not (a few left unmarked)."""
    if not patient_ids:
        return
    stamp = format_time(anchor - timedelta(days=5 * 365))
    kinds = CLASS_TYPES[:max(1, min(per_business, len(CLASS_TYPES)))]
    type_ids = mint.take(len(kinds))
    store.insert_many("appointment_types", [appointment_type_row(
        tid, stamp, name=name, duration_in_minutes=minutes, max_attendees=places, color=color,
        category="Group class", practitioner_ids=clinic.practitioner_ids)
        for tid, (name, minutes, places, color) in zip(type_ids, kinds)])
    for business in store.select("SELECT id, appointment_type_ids FROM businesses"):
        offered = json.loads(business[1] or "[]") + type_ids
        store.update("businesses", business[0], {"appointment_type_ids": offered})
    anchor_ts = int(anchor.timestamp())
    groups, seats = [], []
    for business in clinic.business_ids:
        staff = [p for p, own in clinic.practitioner_businesses.items() if business in own]
        for number in range(per_business):
            name, minutes, places, _ = kinds[number % len(kinds)]
            type_id = type_ids[number % len(kinds)]
            practitioner = rng.choice(staff or clinic.practitioner_ids)
            # a weekday evening or morning slot, clinic time
            slot = rng.randrange(5) * 86400 + (rng.choice((7, 9, 17, 18)) - UTC_OFFSET_HOURS) * 3600
            for week in CLASS_WEEKS:
                starts = anchor_ts + week * 7 * 86400 + slot
                ends = starts + minutes * 60
                created = min(starts - 21 * 86400, anchor_ts - 3600)
                gid = mint.one()
                groups.append({"id": gid, "starts_at": _ts(starts), "ends_at": _ts(ends),
                               "max_attendees": places, "appointment_type_id": type_id,
                               "business_id": business, "practitioner_id": practitioner,
                               "created_at": _ts(created), "updated_at": _ts(created)})
                taken = min(len(patient_ids), rng.randint(max(1, places - 2), places))
                for patient in rng.sample(patient_ids, taken):
                    seats.append(_class_seat(mint.one(), gid, patient, created, starts, ends,
                                             anchor_ts, rng))
    store.insert_many("group_appointments", groups)
    store.insert_many("group_attendees", seats)


def _class_seat(seat_id: int, group_id: int, patient_id: int, created: int, starts: int,
                ends: int, anchor_ts: int, rng: random.Random) -> dict[str, Any]:
    booked = rng.randint(created, min(starts, anchor_ts) - 60)
    seat = {"id": seat_id, "booking_id": group_id, "patient_id": patient_id, "arrived": None,
            "email_reminder_sent": ends < anchor_ts, "sms_reminder_sent": False,
            "created_at": _ts(booked), "updated_at": _ts(booked)}
    roll = rng.random()
    if roll < 0.1:
        cancelled = rng.randint(booked, max(booked, min(starts, anchor_ts)))
        seat.update(cancelled_at=_ts(cancelled), cancellation_reason=rng.choice((10, 30, 40, 50)),
                    cancellation_note=rng.choice((None, "Called to cancel")),
                    updated_at=_ts(cancelled))
    elif ends < anchor_ts:
        mark = rng.random()
        seat["arrived"] = True if mark < 0.85 else False if mark < 0.95 else None
        if seat["arrived"] is not None:
            seat["updated_at"] = _ts(min(ends + rng.randint(0, 3600), anchor_ts))
    return seat
