"""The pull against the sandbox: first sync, incremental changes, crashes, faults, idle cost."""
from datetime import timedelta

import pytest

from oncord.cliniko import RetryPolicy
from oncord.models import ActivityEvent, Appointment, AppointmentType, ConsentStatus, Contact, EventKind, Practitioner
from oncord.sync import pull
from oncord.sync.lock import SyncAlreadyRunning, sync_lock
from oncord.timestamps import utcnow


@pytest.fixture
def fast_retries(app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIKO_CLIENT_OPTIONS", {
        **app.config["CLINIKO_CLIENT_OPTIONS"], "retry": RetryPolicy(max_attempts=12, backoff_base=0.005, backoff_cap=0.02)})


def live_patient_ids(world):
    """Patients a sync should see: archived ones included, legacy-deleted ones not."""
    return [pid for pid in world.patient_ids(include_archived=True) if not world.patient(pid)["deleted_at"]]


def snapshot(db):
    """The synced state, without our own ids and clocks: equal for equal syncs."""
    contacts = {c.id: c.cliniko_patient_id for c in db.session.query(Contact)}
    return {
        "contacts": sorted(
            (c.cliniko_patient_id, c.first_name, c.last_name, c.email, c.phone, c.phone_raw, c.city, c.date_of_birth,
             c.gender, c.email_status, c.sms_status, c.cliniko_archived_at, c.cliniko_deleted_at, c.cliniko_updated_at)
            for c in db.session.query(Contact)),
        "appointments": sorted(
            (a.id, contacts.get(a.contact_id), a.starts_at, a.ends_at, a.appointment_type_id, a.practitioner_id,
             a.patient_arrived, a.did_not_arrive, a.cancelled_at, a.cancellation_reason, a.cliniko_updated_at)
            for a in db.session.query(Appointment)),
        "events": sorted(
            (contacts.get(e.contact_id), e.appointment_id or 0, e.kind, e.occurred_at, e.backfill)
            for e in db.session.query(ActivityEvent)),
        "types": sorted((t.id, t.name) for t in db.session.query(AppointmentType)),
        "practitioners": sorted((p.id, p.first_name, p.last_name, p.active) for p in db.session.query(Practitioner)),
    }


def test_first_sync_pulls_everything_with_every_field(db, sandbox, connected):
    sandbox.reset(patients=60, appointments=300, seed=7)
    run = pull.run(connected.id)
    assert run.status == "succeeded" and run.full
    visible = live_patient_ids(sandbox.world)
    assert db.session.query(Contact).count() == len(visible)
    assert db.session.query(Appointment).count() == len(sandbox.world.appointment_ids(include_hidden=True))
    assert db.session.query(AppointmentType).count() == sandbox.world.counts()["appointment_types"]
    patient = sandbox.world.patient(visible[0])
    contact = db.session.query(Contact).filter_by(cliniko_patient_id=int(patient["id"])).one()
    assert contact.first_name == patient["first_name"] and contact.last_name == patient["last_name"]
    assert contact.email == patient["email"] and contact.city == patient["city"] and contact.post_code == patient["post_code"]
    assert contact.email_status == (ConsentStatus.SUBSCRIBED.value if patient["accepted_email_marketing"] else ConsentStatus.PENDING.value)
    if patient["patient_phone_numbers"]:
        assert contact.phone_raw and (contact.phone is None or contact.phone.startswith("+"))
    events = db.session.query(ActivityEvent).filter_by(kind=EventKind.APPOINTMENT_BOOKED.value).all()
    assert events and all(e.backfill for e in events)  # history never triggers automations
    assert run.counts["patients"]["created"] == len(visible)


def test_ids_are_exact_int64(db, sandbox, connected):
    sandbox.reset(patients=3, appointments=3, seed=1)
    pull.run(connected.id)
    for pid in live_patient_ids(sandbox.world):
        assert db.session.query(Contact).filter_by(cliniko_patient_id=int(pid)).count() == 1
        assert len(pid) >= 18


def test_incremental_sync_records_exactly_the_changes(db, sandbox, connected):
    world = sandbox.world
    sandbox.reset(patients=20, appointments=0, seed=11)
    patients = world.patient_ids()
    booked = [world.book_appointment(patients[i]) for i in range(4)]
    pull.run(connected.id)
    before_events = db.session.query(ActivityEvent).count()
    last_id = max(e.id for e in db.session.query(ActivityEvent))

    world.update_patient(patients[0], email="new.address@example.com")
    world.cancel_appointment(booked[0]["id"])
    world.mark_did_not_arrive(booked[1]["id"])
    world.mark_arrived(booked[2]["id"])
    new_type = world.add_appointment_type("Telehealth Follow-up", duration_in_minutes=20)
    world.archive_patient(patients[5])
    world.delete_patient(patients[7])
    fresh = world.book_appointment(patients[6])
    run = pull.run(connected.id)

    assert not run.full
    new_events = db.session.query(ActivityEvent).filter(ActivityEvent.id > last_id).all()
    kinds = sorted(e.kind for e in new_events)
    assert kinds == sorted([
        EventKind.PATIENT_UPDATED.value, EventKind.APPOINTMENT_CANCELLED.value,
        EventKind.APPOINTMENT_DID_NOT_ARRIVE.value, EventKind.APPOINTMENT_ARRIVED.value,
        EventKind.PATIENT_ARCHIVED.value, EventKind.APPOINTMENT_BOOKED.value, EventKind.PATIENT_DELETED.value,
    ])
    assert not any(e.backfill for e in new_events)
    assert db.session.get(AppointmentType, int(new_type["id"])).name == "Telehealth Follow-up"
    archived = db.session.query(Contact).filter_by(cliniko_patient_id=int(patients[5])).one()
    assert archived.cliniko_state == "archived in Cliniko" and archived.first_name  # kept, not emptied
    assert db.session.get(Appointment, int(fresh["id"])) is not None
    deleted = db.session.query(Contact).filter_by(cliniko_patient_id=int(patients[7])).one()
    assert deleted.cliniko_state == "deleted in Cliniko" and deleted.first_name  # the contact remains
    assert db.session.query(Contact).filter_by(cliniko_patient_id=int(patients[0])).one().email == "new.address@example.com"
    # nothing changed since: the next pull records nothing
    pull.run(connected.id)
    assert db.session.query(ActivityEvent).count() == before_events + 7


def test_rescheduling_is_recorded_with_both_times(db, sandbox, connected):
    sandbox.reset(patients=2, appointments=0, seed=3)
    appointment = sandbox.world.book_appointment(sandbox.world.patient_ids()[0])
    pull.run(connected.id)
    sandbox.world.reschedule_appointment(appointment["id"], "2031-05-04T01:00:00Z")
    pull.run(connected.id)
    event = db.session.query(ActivityEvent).filter_by(kind=EventKind.APPOINTMENT_RESCHEDULED.value).one()
    assert event.data["starts_at"].startswith("2031-05-04T01:00")


@pytest.mark.parametrize("phase,page", [("patients", 1), ("patients", 3), ("appointments", 2), ("appointments", 5)])
def test_a_sync_killed_after_page_k_ends_like_an_uninterrupted_one(db, sandbox, connected, monkeypatch, phase, page):
    sandbox.reset(patients=450, appointments=900, seed=21)
    pull.run(connected.id)
    expected = snapshot(db)
    # start over from nothing, and crash mid-way
    for model in (ActivityEvent, Appointment, Contact, AppointmentType, Practitioner):
        db.session.query(model).delete()
    connected = db.session.merge(connected)
    connected.patients_cursor = connected.appointments_cursor = connected.last_full_sync_at = None
    db.session.commit()
    target = pull.apply_patients if phase == "patients" else pull.apply_appointments
    calls = {"n": 0}

    def crashing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > page:
            raise RuntimeError("worker killed")
        return target(*args, **kwargs)

    monkeypatch.setattr(pull, "apply_patients" if phase == "patients" else "apply_appointments", crashing)
    with pytest.raises(RuntimeError):
        pull.run(connected.id)
    monkeypatch.undo()
    pull.run(connected.id)
    assert snapshot(db) == expected


def test_twenty_percent_faults_still_converge(db, sandbox, connected, fast_retries):
    sandbox.reset(patients=250, appointments=500, seed=9)
    sandbox.faults.set(error_rate=0.2, seed=4)
    run = pull.run(connected.id)
    sandbox.faults.clear()
    assert run.status == "succeeded"
    assert db.session.query(Contact).count() == len(live_patient_ids(sandbox.world))
    assert db.session.query(Appointment).count() == len(sandbox.world.appointment_ids(include_hidden=True))


def test_malformed_and_dropped_pages_are_retried(db, sandbox, connected, fast_retries):
    sandbox.reset(patients=150, appointments=0, seed=2)
    sandbox.faults.malform_next(1)
    sandbox.faults.drop_next(1)
    sandbox.faults.truncate_next(1)
    assert pull.run(connected.id).status == "succeeded"
    assert db.session.query(Contact).count() == len(live_patient_ids(sandbox.world))


def test_an_idle_sync_costs_a_few_requests_whatever_the_size(db, sandbox, connected):
    sandbox.reset(patients=300, appointments=600, seed=5, classes=2)
    pull.run(connected.id)
    sandbox.requests.reset()
    idle = pull.run(connected.id)
    assert idle.requests == sandbox.requests.total == 12
    assert sandbox.requests.by_endpoint == {
        "GET /practitioners": 1, "GET /practitioners/inactive": 1, "GET /appointment_types": 1,
        "GET /businesses": 1, "GET /patients": 2, "GET /patients/deleted": 1, "GET /bookings": 2,
        "GET /attendees": 3}
    assert all(c.get("created", 0) == 0 and c.get("updated", 0) == 0 for c in idle.counts.values())


def test_one_sync_at_a_time(db, sandbox, connected):
    with sync_lock(connected.id):
        with pytest.raises(SyncAlreadyRunning):
            pull.run(connected.id)


def test_a_patient_matching_one_unlinked_contact_by_email_links_to_it(db, sandbox, connected):
    sandbox.reset(patients=0, appointments=0, seed=1)
    sandbox.world.create_patient(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    sandbox.world.create_patient(first_name="Twin", last_name="One", email="twin@example.com")
    ours = Contact(first_name="Ada", last_name="L", email="ada@example.com", email_lower="ada@example.com", search_text="ada")
    db.session.add_all([ours,
                        Contact(first_name="T1", email="twin@example.com", email_lower="twin@example.com", search_text="t1"),
                        Contact(first_name="T2", email="twin@example.com", email_lower="twin@example.com", search_text="t2")])
    db.session.commit()
    pull.run(connected.id)
    db.session.refresh(ours)
    assert ours.cliniko_patient_id is not None and ours.last_name == "Lovelace"
    twin = db.session.query(Contact).filter(Contact.cliniko_patient_id.is_not(None), Contact.email == "twin@example.com").one()
    assert "2 existing contacts" in twin.link_note
    assert db.session.query(Contact).count() == 4


def test_an_unsubscribe_in_oncord_stands_until_cliniko_changes_after_it(db, sandbox, connected):
    sandbox.reset(patients=0, appointments=0, seed=1)
    patient = sandbox.world.create_patient(first_name="Una", last_name="Sub", accepted_email_marketing=True)
    pull.run(connected.id)
    contact = db.session.query(Contact).filter_by(cliniko_patient_id=int(patient["id"])).one()
    assert contact.email_status == "subscribed"
    # unsubscribed a minute ago (Cliniko's clock has whole seconds)
    contact.email_status, contact.email_status_changed_at = "unsubscribed", utcnow() - timedelta(minutes=1)
    db.session.commit()
    sandbox.world.update_patient(patient["id"], first_name="Una-Maria")  # an unrelated change
    pull.run(connected.id, full=True)
    db.session.refresh(contact)
    assert contact.email_status == "unsubscribed" and contact.first_name == "Una-Maria"
    sandbox.world.update_patient(patient["id"], accepted_email_marketing=False)
    pull.run(connected.id)
    db.session.refresh(contact)
    assert contact.email_status == "unsubscribed"  # withdrawing consent keeps the unsubscribe
    sandbox.world.update_patient(patient["id"], accepted_email_marketing=True)  # consent given again, later
    pull.run(connected.id)
    db.session.refresh(contact)
    assert contact.email_status == "subscribed"


def test_merged_patients_move_history_to_the_survivor(db, sandbox, connected):
    sandbox.reset(patients=0, appointments=0, seed=1)
    absorbed = sandbox.world.create_patient(first_name="Dup", last_name="Licate")
    survivor = sandbox.world.create_patient(first_name="Real", last_name="Person")
    appointment = sandbox.world.book_appointment(absorbed["id"])
    pull.run(connected.id)
    sandbox.world.merge_patients(absorbed["id"], survivor["id"])
    pull.run(connected.id)
    kept = db.session.query(Contact).filter_by(cliniko_patient_id=int(survivor["id"])).one()
    gone = db.session.query(Contact).filter_by(cliniko_patient_id=int(absorbed["id"])).one()
    assert gone.cliniko_state == "merged in Cliniko"
    assert db.session.get(Appointment, int(appointment["id"])).contact_id == kept.id
    assert db.session.query(ActivityEvent).filter_by(contact_id=gone.id, appointment_id=int(appointment["id"])).count() == 0
    assert db.session.query(ActivityEvent).filter_by(contact_id=kept.id, appointment_id=int(appointment["id"])).count() >= 1


def test_bad_rows_are_repaired_or_skipped_and_logged_never_fatal(db, sandbox, connected):
    sandbox.reset(patients=5, appointments=0, seed=1)
    world = sandbox.world
    odd = world.create_patient(validate=False, first_name="", last_name="", email="not-an-email")
    broken = world.create_patient(validate=False, first_name="Bad", last_name="Date", date_of_birth="31/02/1990")
    orphan = world.book_appointment(world.patient_ids()[0])
    world.store.update("appointments", orphan["id"], {"appointment_type_id": 1999999999999999999})  # a type we never saw
    run = pull.run(connected.id)
    assert run.status == "succeeded"
    contact = db.session.query(Contact).filter_by(cliniko_patient_id=int(odd["id"])).one()
    assert contact.email is None and contact.name == "(no name)"
    assert any("not a valid address" in p for p in run.problems)
    assert any(str(broken["id"]) in p for p in run.problems)  # unreadable row: skipped, logged
    assert run.counts["patients"]["skipped"] == 1
    assert db.session.get(Appointment, int(orphan["id"])) is not None
    assert any("unknown appointment type" in p for p in run.problems)
    assert db.session.query(Contact).count() == len(live_patient_ids(world)) - 1


def test_incremental_listings_start_at_the_cursor_less_what_was_in_flight():
    from datetime import datetime, timezone

    t = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    assert pull.changed_since(None, t) is None
    assert pull.changed_since(t, None) == t - pull.OVERLAP
    # a quiet account: the last change is long before the last sync read
    assert pull.changed_since(t - timedelta(days=3), t) == t - timedelta(days=3)
    # a busy one: rows committed while the last sync was reading are read again
    assert pull.changed_since(t + timedelta(minutes=1), t) == t - pull.OVERLAP
