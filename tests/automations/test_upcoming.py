"""Upcoming-appointment reminders: on time, once, re-timed on a move, none after a cancel."""
from datetime import timedelta

from oncord.models import Trigger
from tests.automations.conftest import DAY, HOUR, START


def test_a_24_hour_reminder_goes_at_its_time_once(clinic):
    ana = clinic.patient()
    visit = clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60)
    clinic.tick(START + DAY - timedelta(minutes=5))
    assert clinic.sent_to(reminder) == []
    clinic.tick(START + DAY + timedelta(minutes=1))
    assert clinic.sent_to(reminder) == ["+61412345678"]
    message = clinic.messages(reminder)[0]
    assert message.key == f"automation:{reminder.id}:step:0:appointment:{visit}:start-20261203T000000Z"
    assert "Hi Ana, see you Thursday 3 December 2026 at 11:00 am" in message.body_text  # clinic time, AEDT
    clinic.tick(START + DAY + timedelta(minutes=2))
    assert len(clinic.messages(reminder)) == 1


def test_a_move_between_syncs_re_times_the_reminder(clinic):
    ana = clinic.patient()
    visit = clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60)
    clinic.at(START + 2 * HOUR)
    clinic.world.reschedule_appointment(visit, START + 3 * DAY)
    clinic.sync()
    clinic.tick(START + DAY + timedelta(minutes=1))  # the old time's reminder: none
    assert clinic.sent_to(reminder) == []
    clinic.tick(START + 2 * DAY + timedelta(minutes=1))
    [message] = clinic.messages(reminder)
    assert message.key.endswith(f"appointment:{visit}:start-20261204T000000Z")
    assert "Friday 4 December" in message.body_text


def test_the_truth_check_re_times_a_move_the_last_sync_did_not_see(clinic):
    ana = clinic.patient()
    visit = clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60)
    clinic.at(START + 2 * HOUR)
    clinic.world.reschedule_appointment(visit, START + 3 * DAY)  # no sync after this
    clinic.tick(START + DAY + timedelta(minutes=1))
    assert clinic.sent_to(reminder) == []
    assert any("moved in Cliniko" in reason for reason in clinic.reasons(reminder))
    clinic.tick(START + 2 * DAY + timedelta(minutes=1))
    [message] = clinic.messages(reminder)
    assert message.key.endswith("start-20261204T000000Z") and "Friday 4 December" in message.body_text


def test_cancelled_before_the_reminder_gets_none(clinic):
    ana = clinic.patient()
    visit = clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60)
    clinic.at(START + HOUR)
    clinic.world.cancel_appointment(visit)
    clinic.sync()
    clinic.tick(START + DAY + timedelta(minutes=1))
    assert clinic.messages(reminder) == [] and clinic.runs(reminder) == []


def test_the_truth_check_finds_a_cancellation_the_last_sync_did_not_see(clinic):
    ana = clinic.patient()
    visit = clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60)
    clinic.at(START + DAY - timedelta(minutes=1))
    clinic.world.cancel_appointment(visit)  # the clinic cancels; oncord has not synced since
    clinic.tick(START + DAY + timedelta(minutes=1))
    assert clinic.messages(reminder) == []
    [run] = clinic.runs(reminder)
    assert run.status == "stopped" and run.stop_reason == "The appointment was cancelled in Cliniko since the last sync."
    assert clinic.reasons(reminder) == [run.stop_reason]


def test_a_late_booking_is_sent_at_once_by_default(clinic):
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60)
    clinic.at(START + HOUR)
    ana = clinic.patient()
    clinic.book(ana, START + 10 * HOUR)  # its reminder was due yesterday
    clinic.sync()
    clinic.tick(START + HOUR + timedelta(minutes=3))
    assert clinic.sent_to(reminder) == ["+61412345678"]


def test_a_late_booking_is_skipped_when_the_automation_says_so(clinic):
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60, late_booking="skip")
    clinic.at(START + HOUR)
    ana = clinic.patient()
    clinic.book(ana, START + 10 * HOUR)
    clinic.sync()
    clinic.tick(START + HOUR + timedelta(minutes=3))
    assert clinic.messages(reminder) == []
    [run] = clinic.runs(reminder)
    assert run.status == "skipped"
    assert clinic.reasons(reminder) == ["Booked after the reminder was due; this automation skips late bookings."]


def test_never_sent_past_the_start(clinic):
    ana = clinic.patient()
    clinic.book(ana, START + 5 * HOUR)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=60)
    clinic.tick(START + 6 * HOUR)  # the tick did not run between 4 and 5 hours: the start has passed
    assert clinic.messages(reminder) == []
    assert clinic.reasons(reminder) == ["The appointment has already started."]


def test_cliniko_unreachable_retries_then_sends(clinic):
    ana = clinic.patient()
    clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60)
    clinic.sandbox.faults.set(error_rate=1.0, match="/individual_appointments/")
    clinic.tick(START + DAY + timedelta(minutes=1))
    assert clinic.messages(reminder) == []
    [run] = clinic.runs(reminder)
    assert run.status == "waiting" and run.unreachable_since is not None
    assert "Cliniko could not be reached" in clinic.reasons(reminder)[0]
    clinic.sandbox.faults.clear()
    clinic.tick(START + DAY + timedelta(minutes=3))
    assert clinic.sent_to(reminder) == ["+61412345678"]


def test_cliniko_unreachable_until_the_start_sends_nothing(clinic):
    ana = clinic.patient()
    clinic.book(ana, START + 3 * HOUR)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=10)
    clinic.sandbox.faults.set(error_rate=1.0, match="/individual_appointments/")
    for minute in range(-10, 1, 2):
        clinic.tick(START + 3 * HOUR + timedelta(minutes=minute))
    assert clinic.messages(reminder) == []
    [run] = clinic.runs(reminder)
    assert run.status == "stopped" and "Cliniko could not be reached" in clinic.reasons(reminder)[0]


def test_a_waiting_reminder_stops_when_the_appointment_is_cancelled(clinic):
    from datetime import datetime, timezone

    # Wed 2 Dec 08:30 in Sydney; its 12-hour reminder waits out quiet hours until 08:00.
    visit = clinic.book(clinic.patient(), datetime(2026, 12, 1, 21, 30, tzinfo=timezone.utc))
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=12 * 60)
    clinic.tick(datetime(2026, 12, 1, 9, 31, tzinfo=timezone.utc))
    assert clinic.runs(reminder)[0].status == "waiting"
    clinic.at(datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc))
    clinic.world.cancel_appointment(visit)
    clinic.sync()
    clinic.tick(datetime(2026, 12, 1, 21, 0, 30, tzinfo=timezone.utc))
    assert clinic.messages(reminder) == []
    [run] = clinic.runs(reminder)
    assert run.status == "stopped" and run.stop_reason == "The appointment was cancelled."


def test_a_reminder_waiting_for_the_morning_is_dropped_when_the_sync_sees_a_move(clinic):
    """The old send is dropped, the reminder follows the new time, and the patient gets one."""
    from datetime import datetime, timezone

    utc = timezone.utc
    ana = clinic.patient()
    visit = clinic.book(ana, datetime(2026, 12, 1, 21, 30, tzinfo=utc))  # Wed 2 Dec 08:30 in Sydney
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=12 * 60)
    clinic.tick(datetime(2026, 12, 1, 9, 31, tzinfo=utc))  # 20:31: quiet hours, waits for 08:00
    assert clinic.messages(reminder) == [] and clinic.runs(reminder)[0].status == "waiting"
    clinic.at(datetime(2026, 12, 1, 10, 0, tzinfo=utc))
    clinic.world.reschedule_appointment(visit, datetime(2026, 12, 2, 4, 0, tzinfo=utc))  # Wed 15:00
    clinic.sync()
    # 08:00: the old time's send is dropped; the new time's reminder (due at 03:00) goes now, once.
    clinic.tick(datetime(2026, 12, 1, 21, 0, 30, tzinfo=utc))
    clinic.tick(datetime(2026, 12, 1, 21, 2, tzinfo=utc))
    old = next(run for run in clinic.runs(reminder) if run.occurrence == "start-20261201T213000Z")
    assert old.status == "stopped" and old.stop_reason
    [message] = clinic.messages(reminder)
    assert message.key.endswith(f"appointment:{visit}:start-20261202T040000Z") and "3:00 pm" in message.body_text
