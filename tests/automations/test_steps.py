"""Steps: consent (factual vs marketing), unsubscribing mid-workflow, spacing, quiet hours, waits, DST."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from oncord.automations import preview, triggers
from oncord.extensions import db
from oncord.models import AutomationStep, Trigger
from tests.automations.conftest import DAY, HOUR, START, Clinic

MIN = timedelta(minutes=1)
UTC = timezone.utc


def test_factual_reaches_pending_contacts_marketing_only_subscribed(clinic):
    pending = clinic.patient(sms_ok=None)
    clinic.book(pending, START + 2 * DAY)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, [clinic.sms_step("factual")], offset_minutes=1440)
    offer = clinic.automation(Trigger.UPCOMING, [clinic.sms_step("marketing")], offset_minutes=1440)
    clinic.tick(START + DAY + MIN)
    assert clinic.sent_to(reminder) == ["+61412345678"]
    assert clinic.messages(offer) == []
    assert clinic.reasons(offer) == ["Has not agreed to marketing by SMS (Pending)."]
    assert "Reply STOP" not in clinic.messages(reminder)[0].body_text


def test_marketing_sms_carries_the_opt_out_wording(clinic):
    clinic.book(clinic.patient(), START + 2 * DAY)
    clinic.sync()
    offer = clinic.automation(Trigger.UPCOMING, [clinic.sms_step("marketing")], offset_minutes=1440)
    clinic.tick(START + DAY + MIN)
    [message] = clinic.messages(offer)
    assert message.status == "sent" and "STOP" in message.body_text


def test_an_unsubscribe_stops_the_workflow(clinic):
    ana = clinic.patient()
    clinic.book(ana, START + 2 * HOUR)
    clinic.sync()
    thanks = clinic.automation(Trigger.FINISHED, [
        clinic.sms_step(), AutomationStep(type="wait", wait_minutes=2 * 24 * 60), clinic.sms_step("marketing")])
    ends = clinic.appointment(_only_appointment(clinic)).ends_at
    clinic.tick(ends + HOUR + MIN)
    assert len(clinic.sent_to(thanks)) == 1
    contact = clinic.contact(ana)
    contact.sms_status = "unsubscribed"
    db.session.commit()
    clinic.tick(ends + HOUR + 2 * DAY + 2 * MIN)
    assert len(clinic.messages(thanks)) == 1
    [run] = clinic.runs(thanks)
    assert run.status == "stopped" and run.stop_reason == "Unsubscribed from SMS."


def _only_appointment(clinic):
    from oncord.models import Appointment

    return db.session.query(Appointment.id).scalar()


def test_a_wait_is_a_row_that_survives_a_restart(clinic):
    """Between the steps nothing is held in memory: a fresh session (a restarted worker) goes on."""
    clinic.book(clinic.patient(), START + 2 * HOUR)
    clinic.sync()
    thanks = clinic.automation(Trigger.FINISHED, [
        clinic.sms_step(), AutomationStep(type="wait", wait_minutes=3 * 24 * 60), clinic.email_step()])
    ends = clinic.appointment(_only_appointment(clinic)).ends_at
    clinic.tick(ends + HOUR + MIN)
    [run] = clinic.runs(thanks)
    assert run.status == "waiting" and run.next_step == 2 and run.next_at >= ends + HOUR + 3 * DAY
    db.session.remove()  # the worker's session is gone
    clinic.tick(ends + HOUR + 2 * DAY)
    assert len(clinic.messages(thanks)) == 1
    clinic.tick(ends + HOUR + 3 * DAY + 2 * MIN)
    assert [m.channel for m in clinic.messages(thanks)] == ["sms", "email"]
    assert clinic.runs(thanks)[0].status == "done"


def test_spacing_skips_contacts_messaged_by_a_tagged_automation(clinic):
    clinic.book(clinic.patient(), START + 2 * HOUR)
    clinic.sync()
    first = clinic.automation(Trigger.FINISHED, tag="recall", skip_if_messaged_within_days=14)
    second = clinic.automation(Trigger.FINISHED, grace_minutes=120, tag="recall", skip_if_messaged_within_days=14)
    ends = clinic.appointment(_only_appointment(clinic)).ends_at
    clinic.tick(ends + HOUR + MIN)
    clinic.tick(ends + 2 * HOUR + MIN)
    assert len(clinic.sent_to(first)) == 1 and clinic.messages(second) == []
    assert "tagged “recall”" in clinic.reasons(second)[0]


def test_spacing_matches_the_tag_whatever_its_case_or_spaces(clinic):
    clinic.book(clinic.patient(), START + 2 * HOUR)
    clinic.sync()
    first = clinic.automation(Trigger.FINISHED, tag="Recall", skip_if_messaged_within_days=14)
    second = clinic.automation(Trigger.FINISHED, grace_minutes=120, tag="recall ", skip_if_messaged_within_days=14)
    ends = clinic.appointment(_only_appointment(clinic)).ends_at
    clinic.tick(ends + HOUR + MIN)
    clinic.tick(ends + 2 * HOUR + MIN)
    assert len(clinic.sent_to(first)) == 1 and clinic.messages(second) == []


def test_archived_patients_get_nothing(clinic):
    ana = clinic.patient()
    clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    clinic.at(START + HOUR)
    clinic.world.archive_patient(ana)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=1440)
    clinic.tick(START + DAY + MIN)
    assert clinic.sent_to(reminder) == []
    assert clinic.reasons(reminder) == ["The patient is archived in Cliniko."]


def test_an_sms_due_in_quiet_hours_waits_for_the_morning(clinic):
    # Wed 2 Dec 08:30 in Sydney; 12 hours before is 20:30 on Tuesday, in quiet hours.
    clinic.book(clinic.patient(), datetime(2026, 12, 1, 21, 30, tzinfo=UTC))
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=12 * 60)
    email = clinic.automation(Trigger.UPCOMING, [clinic.email_step()], offset_minutes=12 * 60)
    clinic.tick(datetime(2026, 12, 1, 9, 31, tzinfo=UTC))
    assert clinic.messages(reminder) == [] and len(clinic.sent_to(email)) == 1  # email has no quiet hours
    assert clinic.reasons(reminder) == ["Quiet hours (20:00–08:00): waiting until Wed 2 Dec 08:00."]
    clinic.tick(datetime(2026, 12, 1, 20, 59, tzinfo=UTC))
    assert clinic.messages(reminder) == []
    clinic.tick(datetime(2026, 12, 1, 21, 0, 30, tzinfo=UTC))  # 08:00 in Sydney
    assert clinic.sent_to(reminder) == ["+61412345678"]


def test_an_sms_whose_morning_is_after_the_start_is_skipped(clinic):
    # Wed 2 Dec 07:30 in Sydney; 11 hours before is 20:30 on Tuesday.
    clinic.book(clinic.patient(), datetime(2026, 12, 1, 20, 30, tzinfo=UTC))
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=11 * 60)
    clinic.tick(datetime(2026, 12, 1, 9, 31, tzinfo=UTC))
    assert clinic.messages(reminder) == []
    assert clinic.reasons(reminder) == [
        "Due in quiet hours (20:00–08:00), and the morning would be after the appointment's start."]


def _clinic_at(db, sandbox, start):
    from oncord.sync import connection as connections

    traveller = time_machine.travel(start, tick=True)
    shift = traveller.start()
    connection = connections.connect(sandbox.api_key, base_url=sandbox.base_url)
    db.session.commit()
    clinic = Clinic(sandbox, connection, shift)
    clinic.sync()
    return clinic, traveller


def test_a_day_before_keeps_the_wall_clock_when_daylight_saving_ends(db, sandbox, app, monkeypatch):
    """Sydney leaves DST on Sunday 5 April 2026 (03:00 AEDT -> 02:00 AEST)."""
    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "Australia/Sydney")
    clinic, traveller = _clinic_at(db, sandbox, datetime(2026, 4, 1, 0, 0, tzinfo=UTC))
    try:
        clinic.book(clinic.patient(), datetime(2026, 4, 5, 0, 0, tzinfo=UTC))  # Sun 5 Apr 10:00 AEST
        clinic.sync()
        reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=1440)
        clinic.tick(datetime(2026, 4, 3, 22, 59, tzinfo=UTC))  # Sat 09:59 AEDT
        assert clinic.messages(reminder) == []
        clinic.tick(datetime(2026, 4, 3, 23, 1, tzinfo=UTC))  # Sat 10:01 AEDT: a day before, on the wall clock
        [message] = clinic.messages(reminder)
        assert "Sunday 5 April 2026 at 10:00 am" in message.body_text
    finally:
        traveller.stop()


def test_a_day_before_and_quiet_hours_across_the_start_of_daylight_saving(db, sandbox, app, monkeypatch):
    """Sydney enters DST on Sunday 4 October 2026 (02:00 AEST -> 03:00 AEDT)."""
    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "Australia/Sydney")
    clinic, traveller = _clinic_at(db, sandbox, datetime(2026, 10, 1, 0, 0, tzinfo=UTC))
    try:
        clinic.book(clinic.patient(), datetime(2026, 10, 3, 23, 0, tzinfo=UTC))  # Sun 4 Oct 10:00 AEDT
        clinic.book(clinic.patient("Bo", "Chen", email="bo@mail.example",
                                   patient_phone_numbers=[{"number": "0412 000 111", "phone_type": "Mobile"}]),
                    datetime(2026, 10, 3, 22, 0, tzinfo=UTC))  # Sun 4 Oct 09:00 AEDT
        clinic.sync()
        day_before = clinic.automation(Trigger.UPCOMING, offset_minutes=1440)
        two_hours = clinic.automation(Trigger.UPCOMING, offset_minutes=120)
        clinic.tick(datetime(2026, 10, 2, 23, 30, tzinfo=UTC))  # Sat 09:30 AEST: 24 real hours before Ana's
        assert [m.address for m in clinic.messages(day_before)] == ["+61412000111"]  # Bo's 09:00 has passed
        clinic.tick(datetime(2026, 10, 3, 0, 1, tzinfo=UTC))  # Sat 10:01 AEST
        assert [m.address for m in clinic.messages(day_before)] == ["+61412000111", "+61412345678"]
        assert "Sunday 4 October 2026 at 10:00 am" in clinic.messages(day_before)[1].body_text
        # Bo's 2-hour reminder falls at 07:00 AEDT, in quiet hours: 08:00 AEDT is 21:00 UTC, before the start.
        clinic.tick(datetime(2026, 10, 3, 20, 1, tzinfo=UTC))
        assert clinic.messages(two_hours) == []
        assert clinic.reasons(two_hours) == ["Quiet hours (20:00–08:00): waiting until Sun 4 Oct 08:00."]
        clinic.tick(datetime(2026, 10, 3, 21, 0, 30, tzinfo=UTC))
        assert sorted(clinic.sent_to(two_hours)) == ["+61412000111", "+61412345678"]  # Ana: due at 08:00
    finally:
        traveller.stop()


def test_contacts_are_left_alone_when_the_automation_is_switched_off_mid_workflow(clinic):
    clinic.book(clinic.patient(), START + 2 * HOUR)
    clinic.sync()
    thanks = clinic.automation(Trigger.FINISHED, [
        clinic.sms_step(), AutomationStep(type="wait", wait_minutes=60), clinic.sms_step("marketing")])
    ends = clinic.appointment(_only_appointment(clinic)).ends_at
    clinic.tick(ends + HOUR + MIN)
    thanks.enabled = False
    db.session.commit()
    clinic.tick(ends + 2 * HOUR + 2 * MIN)
    assert len(clinic.messages(thanks)) == 1
    assert clinic.runs(thanks)[0].stop_reason == "The automation was switched off."


def test_a_booking_confirmation_in_quiet_hours_never_waits_past_the_start(clinic):
    # Booked on Tue 1 Dec at 21:00 in Sydney for Wed 2 Dec 07:30: the morning (08:00) is after the start.
    confirmation = clinic.automation(Trigger.BOOKED)
    clinic.at(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    clinic.book(clinic.patient(), datetime(2026, 12, 1, 20, 30, tzinfo=UTC))
    clinic.sync()
    clinic.tick(datetime(2026, 12, 1, 10, 2, tzinfo=UTC))
    clinic.tick(datetime(2026, 12, 1, 21, 0, 30, tzinfo=UTC))  # 08:00 in Sydney, after the 07:30 visit
    assert clinic.messages(confirmation) == []
    assert clinic.reasons(confirmation) == [
        "Due in quiet hours (20:00–08:00), and the morning would be after the appointment's start."]


def test_a_wait_of_whole_days_keeps_the_wall_clock_across_daylight_saving(db, sandbox, app, monkeypatch):
    """A follow-up "1 day later" goes at the same clinic time the next day, also when DST ends between."""
    from zoneinfo import ZoneInfo

    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "Australia/Sydney")
    sydney = ZoneInfo("Australia/Sydney")
    clinic, traveller = _clinic_at(db, sandbox, datetime(2026, 4, 1, 0, 0, tzinfo=UTC))
    try:
        clinic.book(clinic.patient(), datetime(2026, 4, 3, 22, 0, tzinfo=UTC))  # Sat 4 Apr 09:00 AEDT
        clinic.sync()
        thanks = clinic.automation(Trigger.FINISHED, [
            clinic.email_step(), AutomationStep(type="wait", wait_minutes=24 * 60), clinic.email_step()])
        first = clinic.appointment(_only_appointment(clinic)).ends_at + HOUR + MIN
        clinic.tick(first)
        wall = first.astimezone(sydney).replace(tzinfo=None) + timedelta(days=1)
        next_day = wall.replace(tzinfo=sydney).astimezone(UTC)  # Sunday, AEST: 25 real hours later
        [run] = clinic.runs(thanks)
        assert run.next_at == next_day and next_day - first == timedelta(hours=25)
        # The preview times a wait the same way.
        later = clinic.automation(Trigger.FINISHED, [AutomationStep(type="wait", wait_minutes=24 * 60),
                                                     clinic.email_step()], grace_minutes=61)
        appointment = clinic.appointment(_only_appointment(clinic))
        row = preview.row_for(later, triggers.Candidate(appointment, "finished", first))
        assert row.send_at == next_day and row.reason is None
        assert clinic.reasons(thanks) == [f"Waiting until Sun 5 Apr {wall:%H:%M}."]
        clinic.tick(next_day - MIN)
        assert len(clinic.messages(thanks)) == 1
        clinic.tick(next_day + MIN)
        assert len(clinic.messages(thanks)) == 2
    finally:
        traveller.stop()


def test_a_cancellation_nudge_in_quiet_hours_still_waits_for_the_morning(clinic):
    # Cancelled on Tue 1 Dec at 21:00 in Sydney, for Wed 2 Dec 07:30: nothing is going ahead, so it just waits.
    nudge = clinic.automation(Trigger.CANCELLED)
    visit = clinic.book(clinic.patient(), datetime(2026, 12, 1, 20, 30, tzinfo=UTC))
    clinic.sync()
    clinic.at(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    clinic.world.cancel_appointment(visit)
    clinic.sync()
    clinic.tick(datetime(2026, 12, 1, 10, 2, tzinfo=UTC))
    assert clinic.reasons(nudge) == ["Quiet hours (20:00–08:00): waiting until Wed 2 Dec 08:00."]
    clinic.tick(datetime(2026, 12, 1, 21, 0, 30, tzinfo=UTC))
    assert clinic.sent_to(nudge) == ["+61412345678"]


@pytest.mark.parametrize("value", ["8pm-8am", "20:00", "25:00-08:00", "20:00-08:00-09:00", ""])
def test_mistyped_quiet_hours_stop_the_app_at_start_with_one_clear_sentence(value):
    from oncord import create_app

    with pytest.raises(ValueError, match="ONCORD_AUTOMATION_QUIET_HOURS must be two 24-hour times like 20:00-08:00"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "AUTOMATION_QUIET_HOURS": value})


def test_quiet_hours_accept_spaces_and_a_daytime_window():
    from datetime import time

    from oncord.automations.clinic_time import parse_quiet_hours

    assert parse_quiet_hours(" 21:30 - 07:15 ") == (time(21, 30), time(7, 15))
    assert parse_quiet_hours("12:00-13:00") == (time(12), time(13))
