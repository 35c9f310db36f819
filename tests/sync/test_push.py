"""Edits of linked contacts reach Cliniko in two-minute batches: one PATCH per contact."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from oncord.cliniko import RetryPolicy
from oncord.contacts import editing
from oncord.contacts.editing import ContactDetails
from oncord.models import ActivityEvent, Contact, EventKind, OutboxEdit
from oncord.sync import outbox, pull
from oncord.sync.connection import set_auto_sync
from oncord.timestamps import utcnow

TWO_PM = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)  # 2:00 pm in Sydney (AEDT)
PATCH = "PATCH /patients/{id}"


@pytest.fixture
def fast_retries(app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIKO_CLIENT_OPTIONS", {
        **app.config["CLINIKO_CLIENT_OPTIONS"], "retry": RetryPolicy(max_attempts=3, backoff_base=0.005, backoff_cap=0.01)})


@pytest.fixture
def synced(db, sandbox, connected):
    """A clinic with a few patients, pulled once; returns a linked contact and its patient id."""
    sandbox.reset(patients=0, appointments=0, seed=1)
    patient = sandbox.world.create_patient(first_name="Mia", last_name="Chen", email="mia@example.com",
                                           accepted_email_marketing=True,
                                           patient_phone_numbers=[{"phone_type": "Mobile", "number": "0412 345 678"},
                                                                  {"phone_type": "Home", "number": "02 9876 5432"}])
    pull.run(connected.id)
    contact = db.session.query(Contact).filter_by(cliniko_patient_id=int(patient["id"])).one()
    sandbox.requests.reset()
    return contact, patient["id"]


def details_of(contact: Contact, **changes) -> ContactDetails:
    current = ContactDetails(**{name: getattr(contact, name) for name in ContactDetails.__dataclass_fields__})
    return replace(current, **changes)


def edit(db, contact: Contact, **changes) -> str:
    editing.update_contact(contact, details_of(contact, **changes), user_id=None, now=utcnow())
    db.session.commit()
    return outbox.queue_push(contact)


def test_the_2pm_and_203pm_edits_are_in_cliniko_by_205_with_two_requests(db, sandbox, synced, run_jobs):
    contact, patient_id = synced
    with time_machine.travel(TWO_PM, tick=False) as clock:
        notice = edit(db, contact, email="mia.chen@example.com")
        assert "2:02 PM" in notice
        clock.move_to(TWO_PM + timedelta(minutes=2))
        run_jobs(due_by=utcnow())
        assert sandbox.world.patient(patient_id)["email"] == "mia.chen@example.com"
        clock.move_to(TWO_PM + timedelta(minutes=3))
        edit(db, contact, phone="+61499888777")
        clock.move_to(TWO_PM + timedelta(minutes=4, seconds=59))
        run_jobs(due_by=utcnow())
        assert sandbox.requests.count(PATCH) == 1  # not due yet
        clock.move_to(TWO_PM + timedelta(minutes=5))
        run_jobs(due_by=utcnow())
    cliniko = sandbox.world.patient(patient_id)
    assert cliniko["email"] == "mia.chen@example.com"
    numbers = {n["phone_type"]: n["number"] for n in cliniko["patient_phone_numbers"]}
    assert numbers == {"Mobile": "+61499888777", "Home": "02 9876 5432"}  # the other number is kept
    assert sandbox.requests.count(PATCH) == 2
    assert db.session.query(OutboxEdit).count() == 0
    pushed = db.session.query(ActivityEvent).filter_by(kind=EventKind.PUSHED_TO_CLINIKO.value).all()
    assert sorted(tuple(e.data["fields"]) for e in pushed) == [("email",), ("phone",)]


def test_ten_edits_within_a_minute_cost_one_request(db, sandbox, synced, run_jobs):
    contact, patient_id = synced
    with time_machine.travel(TWO_PM, tick=False) as clock:
        for n in range(10):
            clock.move_to(TWO_PM + timedelta(seconds=6 * n))
            edit(db, contact, first_name=f"Mia{n}", city=f"Suburb {n}")
        clock.move_to(TWO_PM + timedelta(minutes=2, seconds=30))
        run_jobs(due_by=utcnow())
    assert sandbox.requests.count(PATCH) == 1
    cliniko = sandbox.world.patient(patient_id)
    assert (cliniko["first_name"], cliniko["city"]) == ("Mia9", "Suburb 9")


def test_a_rejected_edit_stays_and_is_shown_until_edited_again(app, client, db, sandbox, synced, run_jobs, login_as):
    contact, patient_id = synced
    edit(db, contact, first_name="")  # Cliniko requires a first name
    pull.run(contact_connection_id(db), full=False, trigger=pull.SyncTrigger.MANUAL)
    waiting = db.session.query(OutboxEdit).one()
    assert waiting.status == "rejected" and "blank" in waiting.error
    assert sandbox.world.patient(patient_id)["first_name"] == "Mia"
    run = pull.run(contact_connection_id(db), trigger=pull.SyncTrigger.MANUAL)
    assert sandbox.requests.count(PATCH) == 1  # not retried by itself
    login_as()
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Cliniko refused the change" in page and "blank" in page
    assert any("refused" in p for p in db.session.query(pull.SyncRun).order_by(pull.SyncRun.id).first().problems) or run
    edit(db, contact, first_name="Mia-Rose")
    pull.run(contact_connection_id(db), trigger=pull.SyncTrigger.MANUAL)
    assert sandbox.world.patient(patient_id)["first_name"] == "Mia-Rose"
    assert db.session.query(OutboxEdit).count() == 0


def test_a_503_burst_never_drops_the_edit(db, sandbox, synced, fast_retries):
    contact, patient_id = synced
    edit(db, contact, email="later@example.com")
    sandbox.faults.set(error_next=30, error_status=503, match="/patients/")
    with pytest.raises(Exception):
        pull.run(contact_connection_id(db), trigger=pull.SyncTrigger.MANUAL)
    assert db.session.query(OutboxEdit).count() == 1  # still waiting
    sandbox.faults.clear()
    pull.run(contact_connection_id(db), trigger=pull.SyncTrigger.MANUAL)
    assert sandbox.world.patient(patient_id)["email"] == "later@example.com"
    assert db.session.query(OutboxEdit).count() == 0


def test_a_patient_deleted_in_cliniko_unlinks_the_contact(db, sandbox, synced):
    contact, patient_id = synced
    edit(db, contact, email="gone@example.com")
    sandbox.world.delete_patient(patient_id, hard=True)
    pull.run(contact_connection_id(db), trigger=pull.SyncTrigger.MANUAL)
    db.session.refresh(contact)
    assert contact.cliniko_patient_id is None and "no longer exists" in contact.link_note
    assert contact.email == "gone@example.com"  # the edit stays in oncord
    assert db.session.query(OutboxEdit).count() == 0


def test_a_newer_change_in_cliniko_wins_and_ours_is_recorded(db, sandbox, synced):
    contact, patient_id = synced
    edit(db, contact, email="ours@example.com")
    later = utcnow() + timedelta(seconds=5)
    with time_machine.travel(later, tick=False):
        sandbox.world.update_patient(patient_id, email="theirs@example.com")
        pull.run(contact_connection_id(db), trigger=pull.SyncTrigger.MANUAL)
    db.session.refresh(contact)
    assert contact.email == "theirs@example.com"
    assert sandbox.requests.count(PATCH) == 0
    event = db.session.query(ActivityEvent).filter_by(kind=EventKind.CONFLICT_RESOLVED.value).one()
    assert event.data == {"field": "email", "kept": "cliniko", "kept_value": "theirs@example.com",
                          "overwritten_value": "ours@example.com"}


def test_a_newer_change_in_oncord_wins_and_theirs_is_recorded(db, sandbox, synced):
    contact, patient_id = synced
    earlier = utcnow() - timedelta(seconds=30)
    with time_machine.travel(earlier, tick=False):
        sandbox.world.update_patient(patient_id, email="theirs@example.com")
    edit(db, contact, email="ours@example.com")
    pull.run(contact_connection_id(db), trigger=pull.SyncTrigger.MANUAL)
    assert sandbox.world.patient(patient_id)["email"] == "ours@example.com"
    event = db.session.query(ActivityEvent).filter_by(kind=EventKind.CONFLICT_RESOLVED.value).one()
    assert event.data["kept"] == "oncord" and event.data["overwritten_value"] == "theirs@example.com"


def test_our_own_change_coming_back_is_not_news(db, sandbox, synced):
    contact, patient_id = synced
    edit(db, contact, email="echo@example.com", email_status="unsubscribed")
    pull.run(contact_connection_id(db), trigger=pull.SyncTrigger.MANUAL)
    assert sandbox.world.patient(patient_id)["accepted_email_marketing"] is False  # unsubscribe pushed
    before = db.session.query(ActivityEvent).count()
    run = pull.run(contact_connection_id(db), trigger=pull.SyncTrigger.MANUAL)
    assert db.session.query(ActivityEvent).count() == before
    assert run.counts["patients"].get("updated", 0) == 0
    db.session.refresh(contact)
    assert contact.email_status == "unsubscribed"


def test_with_automatic_sync_off_edits_wait_and_go_when_it_is_back(app, client, db, sandbox, synced, run_jobs,
                                                                    login_as, csrf_token):
    contact, patient_id = synced
    connection = db.session.merge(contact_connection(db))
    set_auto_sync(connection, False)
    db.session.commit()
    assert "Automatic sync is off" in edit(db, contact, city="Newtown")
    run_jobs(include_scheduled=True)
    assert sandbox.requests.count(PATCH) == 0
    login_as("admin")
    assert "1 edit waiting" in client.get("/settings/integrations/").get_data(as_text=True)
    client.post("/settings/integrations/cliniko/auto-sync", data={"enabled": "y", "csrf_token": csrf_token("/")})
    run_jobs()
    assert sandbox.world.patient(patient_id)["city"] == "Newtown"


def test_deleting_a_linked_contact_keeps_it_gone_until_the_patient_changes(db, sandbox, synced):
    contact, patient_id = synced
    editing.delete_contact(contact, now=utcnow())
    db.session.commit()
    pull.run(contact_connection_id(db), full=True, trigger=pull.SyncTrigger.MANUAL)
    assert db.session.query(Contact).filter_by(cliniko_patient_id=int(patient_id)).count() == 0
    assert sandbox.world.patient(patient_id)["archived_at"] is None  # the patient is untouched
    with time_machine.travel(utcnow() + timedelta(minutes=1), tick=False):
        sandbox.world.update_patient(patient_id, last_name="Chen-Lee")
        pull.run(contact_connection_id(db), trigger=pull.SyncTrigger.MANUAL)
    assert db.session.query(Contact).filter_by(cliniko_patient_id=int(patient_id)).one().last_name == "Chen-Lee"


def test_creating_a_contact_never_creates_a_patient(db, sandbox, synced, run_jobs):
    from oncord.contacts.records import ContactDetails, create_contact

    create_contact(ContactDetails(first_name="Walk", last_name="In", email="walkin@example.com"))
    db.session.commit()
    pull.run(contact_connection_id(db), trigger=pull.SyncTrigger.MANUAL)
    assert sandbox.requests.count("POST /patients") == 0
    assert len(sandbox.world.patient_ids(include_archived=True)) == 1


def contact_connection(db):
    from oncord.sync.connection import get_connection

    return get_connection()


def contact_connection_id(db) -> int:
    return contact_connection(db).id
