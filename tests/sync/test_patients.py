"""Patients into contacts: bad values cleaned or skipped per row, counts that are true."""
import logging

import requests

from oncord.models import Appointment, AppointmentType, Contact, Practitioner, SyncRun
from oncord.sync import pull

# What must never appear in a stored problem, an error or the log.
PRIVATE = {"first_name": "Nul\u0000Quintessa", "last_name": "Vantablack", "email": "quintessa.private@example.com",
           "address_1": "17\u0000 Hidden Lane", "patient_phone_numbers": [{"phone_type": "Mobile", "number": "0491 570 156"}]}
PRIVATE_WORDS = ("Quintessa", "Vantablack", "quintessa.private", "Hidden Lane", "0491 570 156", "491570156")


def listed_patient_ids(world):
    return [pid for pid in world.patient_ids(include_archived=True) if not world.patient(pid)["deleted_at"]]


def assert_no_private_data(*texts):
    for text in texts:
        for word in PRIVATE_WORDS:
            assert word not in (text or ""), f"{word!r} leaked into {text[:200]!r}"


def test_a_nul_byte_in_a_patient_is_cleaned_and_every_patient_arrives(db, sandbox, connected, caplog):
    sandbox.reset(patients=30, appointments=60, seed=5)
    created = requests.post(f"{sandbox.control_url}/patients", json=PRIVATE, timeout=10)  # JSON carries \u0000
    assert created.status_code == 201 and "\\u0000" in created.text
    world = sandbox.world
    booked = world.book_appointment(created.json()["id"])
    world.cancel_appointment(booked["id"], note="Called\u0000 to cancel")
    practitioner = world.add_practitioner(first_name="Sa\u0000m")
    kind = world.add_appointment_type("Dry\u0000 Needling")
    caplog.set_level(logging.INFO)

    run = pull.run(connected.id)

    assert run.status == "succeeded"
    assert db.session.query(Contact).count() == len(listed_patient_ids(sandbox.world))
    contact = db.session.query(Contact).filter_by(cliniko_patient_id=int(created.json()["id"])).one()
    assert (contact.first_name, contact.last_name, contact.address_1) == ("NulQuintessa", "Vantablack", "17 Hidden Lane")
    assert db.session.query(Appointment).count() == len(sandbox.world.appointment_ids(include_hidden=True))
    assert db.session.get(Appointment, int(booked["id"])).cancellation_note == "Called to cancel"
    assert db.session.get(Practitioner, int(practitioner["id"])).first_name == "Sam"
    assert db.session.get(AppointmentType, int(kind["id"])).name == "Dry Needling"
    assert_no_private_data(*run.problems, run.error, connected.last_error, caplog.text)


def test_a_first_sync_counts_every_row_as_created_and_the_next_finds_nothing_new(db, sandbox, connected):
    sandbox.reset(patients=150, appointments=600, seed=7)
    world = sandbox.world
    ids = world.patient_ids()
    world.delete_patient(ids[0])  # deleted before oncord ever saw it: listed only by /patients/deleted
    world.merge_patients(ids[1], ids[2])
    world.archive_patient(ids[3])
    patients, appointments = len(listed_patient_ids(world)), len(world.appointment_ids(include_hidden=True))

    first = pull.run(connected.id)

    assert first.counts["patients"] == {"created": patients, "updated": 0, "unchanged": 0, "skipped": 0}
    assert first.counts["appointments"] == {"created": appointments, "updated": 0, "unchanged": 0, "skipped": 0}
    assert db.session.query(Contact).count() == patients
    again = pull.run(connected.id, full=True)
    assert again.counts["patients"] == {"created": 0, "updated": 0, "unchanged": patients, "skipped": 0}
    assert again.counts["appointments"] == {"created": 0, "updated": 0, "unchanged": appointments, "skipped": 0}
    world.delete_patient(ids[4])  # one we have: its contact is marked, once
    later = pull.run(connected.id)
    assert later.counts["patients"]["created"] == 0 and later.counts["patients"]["updated"] == 1


def test_a_row_the_database_refuses_is_skipped_alone_and_named_by_its_id(db, sandbox, connected, monkeypatch, caplog):
    from oncord.sync import patients as sync_patients

    sandbox.reset(patients=40, appointments=0, seed=9)
    bad = sandbox.world.create_patient(**{k: v.replace("\u0000", "") if isinstance(v, str) else v
                                         for k, v in PRIVATE.items()})
    real_fields = sync_patients.contact_fields

    def one_unstorable_value(patient):
        fields = real_fields(patient)
        if patient.id == int(bad["id"]):  # not a date: SQLite's driver and PostgreSQL both refuse it
            fields["date_of_birth"] = "Quintessa Vantablack"
        return fields

    monkeypatch.setattr(sync_patients, "contact_fields", one_unstorable_value)
    caplog.set_level(logging.INFO)

    run = pull.run(connected.id)

    assert run.status == "succeeded"
    listed = len(listed_patient_ids(sandbox.world))
    assert run.counts["patients"] == {"created": listed - 1, "updated": 0, "unchanged": 0, "skipped": 1}
    assert db.session.query(Contact).count() == listed - 1
    assert db.session.query(Contact).filter_by(cliniko_patient_id=int(bad["id"])).count() == 0
    assert any(p.startswith(f"skipped patient {bad['id']}: the database refused it") for p in run.problems)
    assert_no_private_data(*run.problems, caplog.text)
    assert db.session.get(SyncRun, run.id).status == "succeeded"


def test_an_over_long_value_is_shortened_with_a_problem_on_every_database(db, sandbox, connected):
    sandbox.reset(patients=3, appointments=0, seed=2)
    long_city = "Wollongong" * 40
    patient = sandbox.world.create_patient(city=long_city, validate=False)
    run = pull.run(connected.id)
    assert run.status == "succeeded"
    contact = db.session.query(Contact).filter_by(cliniko_patient_id=int(patient["id"])).one()
    assert contact.city == long_city[:255]
    assert f"patient {patient['id']}: city is longer than oncord keeps; shortened" in run.problems
    assert not any(long_city[:30] in p for p in run.problems)
