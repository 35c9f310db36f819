"""Class attendances drive automations as appointments do: a reminder for each seat still
taken, none for a seat given up (seen by the sync or only by the truth check, which re-reads
the attendee), a did-not-arrive follow-up for a no-show, and the individual/class filter."""
from datetime import timedelta

from oncord.models import BookingKinds, Trigger, attendance_id
from tests.automations.conftest import DAY, HOUR, START

MINUTE = timedelta(minutes=1)


def pilates(clinic, starts_at):
    kind = clinic.world.add_appointment_type(name="Clinical Pilates", duration_in_minutes=55, max_attendees=8)
    return clinic.world.create_group_appointment({
        "appointment_type_id": kind["id"], "practitioner_id": str(clinic.practitioners[0]),
        "business_id": str(clinic.business), "starts_at": starts_at.isoformat()})["id"]


def attendee(clinic, first, number, group):
    patient = clinic.patient(first, "Class", patient_phone_numbers=[{"number": number, "phone_type": "Mobile"}])
    return clinic.world.book_class(patient, group)["id"]


def test_class_reminders_skip_a_given_up_seat_and_a_no_show_gets_the_follow_up(clinic):
    group = pilates(clinic, START + 2 * DAY)
    ana = attendee(clinic, "Ana", "0412 000 001", group)
    bea = attendee(clinic, "Bea", "0412 000 002", group)
    cat = attendee(clinic, "Cat", "0412 000 003", group)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60)
    individual_only = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60,
                                        booking_kinds=BookingKinds.INDIVIDUAL.value)
    follow_up = clinic.automation(Trigger.DID_NOT_ARRIVE, booking_kinds=BookingKinds.GROUP.value)
    clinic.at(START + HOUR)
    clinic.world.cancel_attendee(bea, 40)  # Bea gives up her place; the sync sees it
    clinic.sync()
    clinic.at(START + DAY - 2 * MINUTE)
    clinic.world.cancel_attendee(cat, 30)  # Cat too, after the last sync: only the truth check can know
    clinic.tick(START + DAY + MINUTE)

    assert clinic.sent_to(reminder) == ["+61412000001"]
    [message] = clinic.messages(reminder)
    assert message.key == (f"automation:{reminder.id}:step:0:appointment:{attendance_id(int(ana))}"
                           ":start-20261203T000000Z")
    assert "Hi Ana, see you Thursday 3 December 2026 at 11:00 am" in message.body_text
    assert clinic.messages(individual_only) == []
    stopped = [run for run in clinic.runs(reminder) if run.status == "stopped"]
    assert [run.stop_reason for run in stopped] == ["The appointment was cancelled in Cliniko since the last sync."]
    assert stopped[0].appointment_id == attendance_id(int(cat))

    clinic.at(START + 2 * DAY + 2 * HOUR)
    clinic.world.mark_attendee_arrived(ana, False)  # a no-show
    clinic.sync()
    clinic.tick(START + 2 * DAY + 2 * HOUR + MINUTE)
    assert clinic.sent_to(follow_up) == ["+61412000001"]
    assert clinic.appointment(attendance_id(int(ana))).did_not_arrive


def test_an_individual_appointment_is_not_a_class(clinic):
    ana = clinic.patient()
    clinic.book(ana, START + 2 * DAY)
    clinic.sync()
    classes_only = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60, booking_kinds=BookingKinds.GROUP.value)
    both = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60)
    clinic.tick(START + DAY + MINUTE)
    assert clinic.messages(classes_only) == [] and clinic.sent_to(both) == ["+61412345678"]


def test_the_truth_check_sees_a_class_moved_since_the_last_sync(clinic):
    group = pilates(clinic, START + 2 * DAY)
    attendee(clinic, "Ana", "0412 000 001", group)
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=24 * 60)
    clinic.at(START + 2 * HOUR)
    clinic.world.reschedule_group_appointment(group, START + 3 * DAY)  # no sync after this
    clinic.tick(START + DAY + MINUTE)
    assert clinic.sent_to(reminder) == []
    assert any("moved in Cliniko" in reason for reason in clinic.reasons(reminder))
    clinic.tick(START + 2 * DAY + MINUTE)
    [message] = clinic.messages(reminder)
    assert message.key.endswith("start-20261204T000000Z")
