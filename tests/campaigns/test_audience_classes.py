"""Campaign conditions cover class attendances: "attended a Clinical Pilates class in the last 30
days" on a clinic synced from the sandbox, and the individual / group class choice."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from oncord.campaigns.audience import Conditions, DateRange, count, materialise
from oncord.campaigns.audience_form import conditions_from_form
from oncord.extensions import db as _db
from oncord.models import Appointment, AppointmentType, ConsentStatus, Contact
from oncord.sync import pull
from oncord.timestamps import utcnow
from werkzeug.datastructures import MultiDict


@pytest.fixture
def synced(db, sandbox, connected):
    sandbox.reset(patients=40, appointments=40, seed=3, classes=1)
    assert pull.run(connected.id).status == "succeeded"
    # Consent given in Cliniko for everyone, so only the conditions decide.
    _db.session.execute(Contact.__table__.update().values(
        email_status=ConsentStatus.SUBSCRIBED.value, email_consent_source="cliniko_pull"))
    _db.session.commit()
    return sandbox.world


def expected(*where) -> list[int]:
    """The contacts with an email who have one appointment row matching every clause, read plainly."""
    rows = _db.session.scalars(select(Appointment.contact_id).join(Contact, Contact.id == Appointment.contact_id)
                               .where(Appointment.archived_at.is_(None), Contact.email.is_not(None),
                                      Contact.email != "", Contact.merged_into_patient_id.is_(None),
                                      Contact.cliniko_archived_at.is_(None), Contact.cliniko_deleted_at.is_(None),
                                      *where))
    return sorted(set(rows))


def test_attended_a_clinical_pilates_class_in_the_last_30_days(db, synced):
    now = utcnow()
    pilates = _db.session.scalar(select(AppointmentType.id).where(AppointmentType.name == "Clinical Pilates"))
    conditions = Conditions(appointment_type_ids=(pilates,), statuses=("attended",), booking_kind="group",
                            appointment_date=DateRange(last_days=30))
    want = expected(Appointment.kind == "group", Appointment.appointment_type_id == pilates,
                    Appointment.patient_arrived.is_(True), Appointment.starts_at >= now - timedelta(days=31),
                    Appointment.starts_at < now)
    found = materialise(conditions, "email", now=now)
    assert found and set(found) <= set(want)
    # Attended within 30 clinic-local days: everyone found is in the plain reading of the last 31 days,
    # and everyone who attended within the last 29 is found.
    assert set(expected(Appointment.kind == "group", Appointment.appointment_type_id == pilates,
                        Appointment.patient_arrived.is_(True), Appointment.starts_at >= now - timedelta(days=29),
                        Appointment.starts_at < now)) <= set(found)
    assert count(conditions, "email", now=now).included == len(found)
    assert "Had a group class (attended) for Clinical Pilates" in conditions.describe()[0]


def test_individual_or_group_keeps_each_kind_apart(db, synced):
    now = utcnow()
    groups = materialise(Conditions(booking_kind="group"), "email", now=now)
    individuals = materialise(Conditions(booking_kind="individual"), "email", now=now)
    both = materialise(Conditions(appointment_date=DateRange(last_days=3650)), "email", now=now) + \
        materialise(Conditions(appointment_date=DateRange(next_days=3650)), "email", now=now)
    assert groups == expected(Appointment.kind == "group", Appointment.cancelled_at.is_(None))
    assert individuals == expected(Appointment.kind == "individual", Appointment.cancelled_at.is_(None))
    assert set(groups) - set(individuals) and set(groups) | set(individuals) == set(both)


def test_the_builder_reads_and_round_trips_the_choice(db):
    conditions = conditions_from_form(MultiDict({"aud_booking_kind": "group"}))
    assert conditions.booking_kind == "group"
    assert Conditions.from_json(conditions.to_json()) == conditions
    assert Conditions.from_json({"booking_kind": "nonsense"}).booking_kind is None
    from oncord.campaigns.audience_form import AudienceFormError
    with pytest.raises(AudienceFormError) as refused:
        conditions_from_form(MultiDict({"aud_booking_kind": "nonsense"}))
    assert "group classes" in refused.value.errors["aud_booking_kind"]
