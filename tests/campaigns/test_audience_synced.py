"""Every condition, alone and together, on a clinic synced from the Cliniko sandbox, against a plain
Python reading of the same rules (one contact at a time) as the oracle."""
from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from oncord.campaigns.audience import EXPLICIT_SOURCES, Conditions, DateRange, count, materialise
from oncord.messaging import consent, eligibility, suppressions
from oncord.models import Appointment, AppointmentType, Business, ConsentChange, ConsentSource, Contact, Practitioner
from oncord.sync import pull


def _oracle(conditions: Conditions, channel: str, now, zone) -> list[int]:
    appointments = defaultdict(list)
    for a in Appointment.query.filter(Appointment.archived_at.is_(None)):
        appointments[a.contact_id].append(a)
    latest = {}
    for change in ConsentChange.query.filter_by(channel=channel).order_by(ConsentChange.created_at, ConsentChange.id):
        latest[change.contact_id] = change.source
    wanted = []
    for contact in Contact.query.order_by(Contact.id):
        mine = appointments[contact.id]
        kept = sorted(a.starts_at for a in mine if a.cancelled_at is None)
        if conditions.has_appointment_conditions and not any(_matches(a, conditions, now, zone) for a in mine):
            continue
        if conditions.upcoming and (any(t >= now for t in kept) != (conditions.upcoming == "has")):
            continue
        if conditions.last_appointment_months:
            today = now.astimezone(zone).date()  # the same day of the month, N calendar months back
            year, month = divmod(today.year * 12 + today.month - 1 - conditions.last_appointment_months, 12)
            day = min(today.day, calendar.monthrange(year, month + 1)[1])
            cutoff = datetime.combine(date(year, month + 1, day), time(0), zone)
            if not kept or kept[-1] >= cutoff:
                continue
        if conditions.first_appointment:
            start, end = conditions.first_appointment.bounds(now, zone)
            if not kept or (start and kept[0] < start) or (end and kept[0] >= end):
                continue
        if conditions.linked and contact.is_linked != (conditions.linked == "linked"):
            continue
        address = eligibility.address_for(contact, channel)
        if not contact.can_receive_marketing(channel) or address is None:
            continue
        if suppressions.is_suppressed(patient_id=contact.cliniko_patient_id,
                                      **{"email" if channel == "email" else "phone": address}):
            continue
        if conditions.uses_health_information() and latest.get(contact.id) not in EXPLICIT_SOURCES:
            continue
        wanted.append(contact.id)
    return wanted


def _matches(a: Appointment, c: Conditions, now, zone) -> bool:
    def within(value, date_range):
        start, end = date_range.bounds(now, zone)
        return value is not None and (start is None or value >= start) and (end is None or value < end)

    status = {"attended": a.patient_arrived, "cancelled": a.cancelled_at is not None,
              "did_not_arrive": a.did_not_arrive}
    return ((not c.appointment_date or within(a.starts_at, c.appointment_date))
            and (not c.booked or within(a.cliniko_created_at, c.booked))
            and (not c.appointment_type_ids or a.appointment_type_id in c.appointment_type_ids)
            and (not c.practitioner_ids or a.practitioner_id in c.practitioner_ids)
            and (not c.business_ids or a.business_id in c.business_ids)
            and (any(status[s] for s in c.statuses) if c.statuses else a.cancelled_at is None))


@pytest.fixture
def synced(db, sandbox, connected, app):
    """A small clinic pulled from the sandbox, with some consent set by staff and one person erased."""
    sandbox.reset(patients=80, appointments=700, seed=13)
    pull.run(connected.id)
    contacts = Contact.query.order_by(Contact.id).all()
    for contact in contacts[::7]:  # staff say so: not explicit consent
        consent.set_status(contact, "email", "subscribed", ConsentSource.STAFF)
        consent.set_status(contact, "sms", "subscribed", ConsentSource.STAFF)
    subscribed = [c for c in contacts if c.can_receive_marketing("email") and c.email]
    suppressions.suppression_for(subscribed[0], reason="erased")
    db.session.commit()
    now = db.session.scalar(select(func.max(Appointment.cliniko_created_at)))
    return now, ZoneInfo(app.config["CLINIC_TIMEZONE"])


def test_every_condition_alone_and_together_matches_the_oracle(db, synced):
    now, zone = synced
    types = db.session.scalars(select(AppointmentType.id).order_by(AppointmentType.id)).all()
    people = db.session.scalars(select(Practitioner.id).order_by(Practitioner.id)).all()
    places = db.session.scalars(select(Business.id).order_by(Business.id)).all()
    assert types and people and places and Appointment.query.count() > 500
    cases = [
        Conditions(),
        Conditions(appointment_date=DateRange(last_days=60)),
        Conditions(appointment_date=DateRange(next_days=30)),
        Conditions(appointment_date=DateRange(calendar_month=-1)),
        Conditions(booked=DateRange(last_days=30)),
        Conditions(appointment_type_ids=(types[0],)),
        Conditions(practitioner_ids=tuple(people[:2])),
        Conditions(business_ids=(places[0],)),
        Conditions(statuses=("attended",)),
        Conditions(statuses=("cancelled",)),
        Conditions(statuses=("did_not_arrive",)),
        Conditions(upcoming="has"),
        Conditions(upcoming="none"),
        Conditions(last_appointment_months=6),
        Conditions(first_appointment=DateRange(last_days=365)),
        Conditions(linked="linked"),
        Conditions(linked="not_linked"),
        Conditions(practitioner_ids=(people[0],), appointment_type_ids=tuple(types[:2]),
                   appointment_date=DateRange(last_days=365)),
        Conditions(business_ids=(places[0],), appointment_date=DateRange(next_days=60), upcoming="has"),
        Conditions(statuses=("attended", "did_not_arrive"), booked=DateRange(last_days=200), linked="linked"),
        Conditions(statuses=("cancelled",), upcoming="none", last_appointment_months=3),
    ]
    matched_something = 0
    for conditions in cases:
        for channel in ("email", "sms"):
            expected = _oracle(conditions, channel, now, zone)
            found = count(conditions, channel, now=now)
            assert materialise(conditions, channel, now=now) == expected, (conditions, channel)
            assert found.included == len(expected), (conditions, channel)
            matched_something += bool(expected)
    assert matched_something >= len(cases)  # the data exercises the conditions, not just empty sets


def test_pulled_consent_counts_as_explicit(db, synced):
    pulled = Contact.query.filter(Contact.email_status == "subscribed",
                                  Contact.email_consent_source == ConsentSource.CLINIKO_PULL.value).count()
    assert pulled > 0
    staff = Contact.query.filter(Contact.email_consent_source == ConsentSource.STAFF.value).count()
    assert staff > 0
