"""Cancelled, did not arrive, booked, finished, no return; filters; enabling never replays the past."""
from datetime import timedelta

from oncord.extensions import db
from oncord.models import Trigger
from tests.automations.conftest import DAY, HOUR, START

MIN = timedelta(minutes=1)


def test_cancelled_fires_from_the_sync_event(clinic):
    ana = clinic.patient()
    visit = clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    nudge = clinic.automation(Trigger.CANCELLED)
    clinic.at(START + HOUR)
    clinic.world.cancel_appointment(visit)
    clinic.sync()
    clinic.tick(START + HOUR + 2 * MIN)
    assert clinic.sent_to(nudge) == ["+61412345678"]
    assert clinic.messages(nudge)[0].key.endswith(f"appointment:{visit}:cancelled")


def test_did_not_arrive_fires_and_notifies_staff_in_clinic_time(clinic, make_user):
    ana = clinic.patient(sex="Female")
    visit = clinic.book(ana, START - 2 * HOUR + 4 * HOUR)  # 13:00 in Sydney
    clinic.sync()
    lee = make_user(name="Dr Lee", email="lee@clinic.example")
    from oncord.models import AutomationStep
    follow_up = clinic.automation(Trigger.DID_NOT_ARRIVE,
                                  [clinic.sms_step(), AutomationStep(type="notify_staff", staff_user_id=lee.id)])
    clinic.at(START + 3 * HOUR)
    clinic.world.mark_did_not_arrive(visit)
    clinic.sync()
    clinic.tick(START + 3 * HOUR + 2 * MIN)
    messages = clinic.messages(follow_up)
    assert [m.address for m in messages] == ["+61412345678", "lee@clinic.example"]
    assert messages[1].subject.startswith("Ana Smith did not arrive for her 13:00 ")
    assert messages[1].kind == "staff" and messages[1].status == "sent"


def test_booked_first_appointment_only(clinic):
    welcome = clinic.automation(Trigger.BOOKED, first_appointment_only=True)
    clinic.at(START + HOUR)
    ana, bo = clinic.patient(), clinic.patient("Bo", "Chen")
    clinic.book(ana, START + 2 * DAY)
    clinic.book(bo, START + 3 * DAY)
    clinic.sync()
    clinic.tick(START + HOUR + 2 * MIN)
    assert len(clinic.sent_to(welcome)) == 2
    clinic.at(START + 2 * HOUR)
    clinic.book(ana, START + 5 * DAY)  # Ana's second
    clinic.sync()
    clinic.tick(START + 2 * HOUR + 2 * MIN)
    assert len(clinic.sent_to(welcome)) == 2
    assert "Not the patient's first appointment." in clinic.reasons(welcome)


def test_finished_waits_for_the_grace_period_and_never_for_did_not_arrive(clinic):
    ana, bo = clinic.patient(), clinic.patient("Bo", "Chen", email="bo@mail.example",
                                               patient_phone_numbers=[{"number": "0412 000 111", "phone_type": "Mobile"}])
    clinic.book(ana, START + 2 * HOUR)
    no_show = clinic.book(bo, START + 2 * HOUR)
    clinic.sync()
    thanks = clinic.automation(Trigger.FINISHED)  # 60 minutes of grace by default
    clinic.at(START + 2 * HOUR + 50 * MIN)
    clinic.world.mark_did_not_arrive(no_show)
    clinic.sync()
    ends = clinic.appointment(no_show).ends_at
    clinic.tick(ends + 59 * MIN)
    assert clinic.sent_to(thanks) == []
    clinic.tick(ends + 61 * MIN)
    assert clinic.sent_to(thanks) == ["+61412345678"]


def test_no_return_only_without_a_later_booking(clinic):
    ana, bo = clinic.patient(), clinic.patient("Bo", "Chen", email="bo@mail.example",
                                               patient_phone_numbers=[{"number": "0412 000 111", "phone_type": "Mobile"}])
    clinic.book(ana, START + 2 * HOUR)
    clinic.book(bo, START + 2 * HOUR)
    clinic.book(bo, START + 20 * DAY)  # Bo comes back
    clinic.sync()
    recall = clinic.automation(Trigger.NO_RETURN, no_return_days=30)
    clinic.tick(START + 32 * DAY)
    assert clinic.sent_to(recall) == ["+61412345678"]


def test_filters_by_type_practitioner_and_location(clinic):
    patients = [clinic.patient(f"P{i}", "Smith", email=f"p{i}@mail.example",
                               patient_phone_numbers=[{"number": f"0412 000 00{i}", "phone_type": "Mobile"}])
                for i in range(3)]
    dr_a, dr_b = clinic.practitioners[:2]
    type_a, type_b = clinic.types[:2]
    clinic.book(patients[0], START + 2 * DAY, practitioner=dr_a, type_id=type_a)
    clinic.book(patients[1], START + 2 * DAY, practitioner=dr_b, type_id=type_a)
    clinic.book(patients[2], START + 2 * DAY, practitioner=dr_a, type_id=type_b)
    clinic.sync()
    by_practitioner = clinic.automation(Trigger.UPCOMING, offset_minutes=1440, practitioner_ids=[dr_a])
    by_type = clinic.automation(Trigger.UPCOMING, offset_minutes=1440, appointment_type_ids=[type_b])
    here = clinic.automation(Trigger.UPCOMING, offset_minutes=1440, business_ids=[clinic.business])
    elsewhere = clinic.automation(Trigger.UPCOMING, offset_minutes=1440, business_ids=[clinic.business + 1])
    clinic.tick(START + DAY + MIN)
    assert sorted(clinic.sent_to(by_practitioner)) == ["+61412000000", "+61412000002"]
    assert clinic.sent_to(by_type) == ["+61412000002"]
    assert len(clinic.sent_to(here)) == 3 and clinic.sent_to(elsewhere) == []


def test_enabling_never_replays_the_past(clinic):
    ana = clinic.patient()
    visit = clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    clinic.at(START + HOUR)
    clinic.world.cancel_appointment(visit)
    clinic.sync()
    nudge = clinic.automation(Trigger.CANCELLED, enabled=False)
    clinic.tick(START + 2 * HOUR)
    nudge.enabled, nudge.enabled_at = True, clinic.now()
    db.session.commit()
    clinic.tick(START + 2 * HOUR + 2 * MIN)
    assert clinic.messages(nudge) == []


def test_a_confirmed_backfill_sends_for_activity_since_its_date(clinic):
    ana = clinic.patient()
    visit = clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    clinic.at(START + HOUR)
    clinic.world.cancel_appointment(visit)
    clinic.sync()
    clinic.at(START + 2 * HOUR)
    nudge = clinic.automation(Trigger.CANCELLED, backfill_since=START + 30 * MIN)
    clinic.tick(START + 2 * HOUR + 2 * MIN)
    assert clinic.sent_to(nudge) == ["+61412345678"]


def test_history_found_by_the_first_sync_never_fires(db, sandbox, app, monkeypatch):
    """Events from the first sync are backfill: even a backfill date before them sends nothing."""
    import time_machine

    from oncord.sync import connection as connections
    from tests.automations.conftest import Clinic

    with time_machine.travel(START, tick=True) as traveller:
        visit_patient = sandbox.world.create_patient(first_name="Ana", last_name="Smith")
        visit = sandbox.world.book_appointment(visit_patient["id"], starts_at=START + DAY)
        sandbox.world.cancel_appointment(visit["id"])
        connection = connections.connect(sandbox.api_key, base_url=sandbox.base_url)
        db.session.commit()
        clinic = Clinic(sandbox, connection, traveller)
        clinic.sync()
        nudge = clinic.automation(Trigger.CANCELLED, backfill_since=START - DAY)
        clinic.tick(START + 2 * MIN)
        assert clinic.messages(nudge) == [] and clinic.runs(nudge) == []


def test_switching_on_counts_from_that_moment_and_an_automation_on_without_a_time_sends_nothing(clinic):
    from oncord.automations import lifecycle

    ana = clinic.patient()
    visit = clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    clinic.at(START + HOUR)
    clinic.world.cancel_appointment(visit)
    clinic.sync()
    careless = clinic.automation(Trigger.CANCELLED, enabled=False)
    careless.enabled = True  # on, but nobody said since when: never a replay from go-live
    db.session.commit()
    clinic.tick(START + HOUR + 2 * MIN)
    assert clinic.messages(careless) == []
    lifecycle.switch_on(careless, backfill_since=START + 30 * MIN)
    db.session.commit()
    clinic.tick(START + HOUR + 3 * MIN)
    assert clinic.sent_to(careless) == ["+61412345678"]
    lifecycle.switch_off(careless)
    assert not careless.enabled and careless.backfill_since is None


def test_the_truth_check_finds_a_did_not_arrive_mark_the_last_sync_did_not_see(clinic):
    visit = clinic.book(clinic.patient(), START + 2 * HOUR)
    clinic.sync()
    thanks = clinic.automation(Trigger.FINISHED)
    ends = clinic.appointment(visit).ends_at
    clinic.at(ends + 30 * MIN)
    clinic.world.mark_did_not_arrive(visit)  # marked late; oncord has not synced since
    clinic.tick(ends + HOUR + MIN)
    assert clinic.messages(thanks) == []
    assert clinic.runs(thanks)[0].stop_reason == "The patient was marked as did not arrive in Cliniko since the last sync."
