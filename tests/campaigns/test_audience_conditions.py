"""Each condition alone, with hand-made appointments whose answer is plain, and a few together."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from oncord.campaigns.audience import Conditions, DateRange, count, materialise
from tests.campaigns.conftest import NOW
from tests.factories import AppointmentTypeFactory, BusinessFactory, PractitionerFactory

DAY = timedelta(days=1)


def ids(conditions: Conditions, channel: str = "email", now: datetime = NOW) -> list[int]:
    found = materialise(conditions, channel, now=now)
    assert count(conditions, channel, now=now).included == len(found)  # the two always agree
    return found


def test_appointment_date_between_clinic_dates_inclusive(db, person, visit):
    # 12 March 2025 in Sydney runs from 11 March 13:00 UTC to 12 March 13:00 UTC (AEDT, +11).
    first, last, before, after = person(), person(), person(), person()
    visit(first, datetime(2025, 3, 10, 13, 0, tzinfo=timezone.utc))   # 00:00 on 11 March, local
    visit(last, datetime(2025, 3, 12, 12, 59, tzinfo=timezone.utc))   # 23:59 on 12 March, local
    visit(before, datetime(2025, 3, 10, 12, 59, tzinfo=timezone.utc))  # 23:59 on 10 March
    visit(after, datetime(2025, 3, 12, 13, 0, tzinfo=timezone.utc))   # 00:00 on 13 March
    between = Conditions(appointment_date=DateRange(start=date(2025, 3, 11), end=date(2025, 3, 12)))
    assert ids(between) == sorted([first.id, last.id])
    assert ids(Conditions(appointment_date=DateRange(start=date(2025, 3, 13)))) == [after.id]
    assert ids(Conditions(appointment_date=DateRange(end=date(2025, 3, 10)))) == [before.id]


def test_last_and_next_days_are_counted_from_today(db, person, visit):
    recent, old, soon, far = person(), person(), person(), person()
    visit(recent, NOW - 6 * DAY)
    visit(old, NOW - 9 * DAY)
    visit(soon, NOW + 2 * DAY)
    visit(far, NOW + 20 * DAY)
    assert ids(Conditions(appointment_date=DateRange(last_days=7))) == [recent.id]
    assert ids(Conditions(appointment_date=DateRange(next_days=7))) == [soon.id]


def test_booked_is_when_the_appointment_was_made_in_cliniko(db, person, visit):
    new_booking, old_booking = person(), person()
    visit(new_booking, NOW + 30 * DAY, cliniko_created_at=NOW - 2 * DAY)
    visit(old_booking, NOW + 3 * DAY, cliniko_created_at=NOW - 40 * DAY)
    assert ids(Conditions(booked=DateRange(last_days=7))) == [new_booking.id]


def test_type_practitioner_and_location_are_any_of(db, person, visit):
    initial, follow, massage = AppointmentTypeFactory(), AppointmentTypeFactory(), AppointmentTypeFactory()
    lee, kim = PractitionerFactory(), PractitionerFactory()
    bondi, manly = BusinessFactory(), BusinessFactory()
    a, b, c = person(), person(), person()
    visit(a, NOW - DAY, appointment_type=initial, practitioner=lee, business_id=bondi.id)
    visit(b, NOW - DAY, appointment_type=follow, practitioner=kim, business_id=manly.id)
    visit(c, NOW - DAY, appointment_type=massage, practitioner=kim, business_id=manly.id)
    assert ids(Conditions(appointment_type_ids=(initial.id, follow.id))) == [a.id, b.id]
    assert ids(Conditions(practitioner_ids=(kim.id,))) == [b.id, c.id]
    assert ids(Conditions(business_ids=(bondi.id,))) == [a.id]


def test_one_appointment_must_match_every_appointment_condition(db, person, visit):
    """"Saw Dr Lee for an Initial Consultation last month" is one visit, not two that each match half."""
    initial, follow = AppointmentTypeFactory(), AppointmentTypeFactory()
    lee, kim = PractitionerFactory(), PractitionerFactory()
    same_visit, split, too_early = person(), person(), person()
    visit(same_visit, NOW - 5 * DAY, appointment_type=initial, practitioner=lee)
    visit(split, NOW - 5 * DAY, appointment_type=initial, practitioner=kim)
    visit(split, NOW - 6 * DAY, appointment_type=follow, practitioner=lee)
    visit(too_early, NOW - 90 * DAY, appointment_type=initial, practitioner=lee)
    visit(too_early, NOW - 5 * DAY, appointment_type=follow, practitioner=lee)
    conditions = Conditions(appointment_type_ids=(initial.id,), practitioner_ids=(lee.id,),
                            appointment_date=DateRange(last_days=30))
    assert ids(conditions) == [same_visit.id]


def test_statuses(db, person, visit):
    arrived, cancelled, no_show, booked = person(), person(), person(), person()
    visit(arrived, NOW - DAY, patient_arrived=True)
    visit(cancelled, NOW - DAY, cancelled_at=NOW - 2 * DAY)
    visit(no_show, NOW - DAY, did_not_arrive=True)
    visit(booked, NOW + DAY)
    assert ids(Conditions(statuses=("attended",))) == [arrived.id]
    assert ids(Conditions(statuses=("cancelled",))) == [cancelled.id]
    assert ids(Conditions(statuses=("did_not_arrive",))) == [no_show.id]
    assert ids(Conditions(statuses=("attended", "did_not_arrive"))) == [arrived.id, no_show.id]
    # No status chosen: any appointment that was not cancelled.
    assert ids(Conditions(appointment_date=DateRange(last_days=7))) == [arrived.id, no_show.id]


def test_archived_appointments_never_count(db, person, visit):
    gone = person()
    visit(gone, NOW - DAY, patient_arrived=True, archived_at=NOW)
    visit(gone, NOW + DAY, archived_at=NOW)
    assert ids(Conditions(statuses=("attended",))) == []
    assert ids(Conditions(upcoming="has")) == []
    assert ids(Conditions(upcoming="none")) == [gone.id]


def test_upcoming_ignores_cancelled_appointments(db, person, visit):
    coming, cancelled_only, nothing = person(), person(), person()
    visit(coming, NOW + 3 * DAY)
    visit(cancelled_only, NOW + 3 * DAY, cancelled_at=NOW - DAY)
    visit(nothing, NOW - 3 * DAY)
    assert ids(Conditions(upcoming="has")) == [coming.id]
    assert ids(Conditions(upcoming="none")) == [cancelled_only.id, nothing.id]


def test_last_appointment_more_than_n_months_ago(db, person, visit):
    lapsed, recent, rebooked, cancelled_recently, never = person(), person(), person(), person(), person()
    visit(lapsed, NOW - 200 * DAY)
    visit(recent, NOW - 200 * DAY)
    visit(recent, NOW - 20 * DAY)
    visit(rebooked, NOW - 200 * DAY)
    visit(rebooked, NOW + 10 * DAY)  # booked again: not lapsed
    visit(cancelled_recently, NOW - 200 * DAY)
    visit(cancelled_recently, NOW - 10 * DAY, cancelled_at=NOW - 12 * DAY)  # a cancelled visit does not count
    assert ids(Conditions(last_appointment_months=6)) == [lapsed.id, cancelled_recently.id]
    # Six months before 12 March is 12 September: the day itself is not "more than" six months.
    edge = person()
    visit(edge, datetime(2024, 9, 11, 23, 0, tzinfo=timezone.utc))  # 12 Sep 09:00 local
    assert edge.id not in ids(Conditions(last_appointment_months=6))
    assert never.id not in ids(Conditions(last_appointment_months=6))


def test_first_appointment_within_a_range(db, person, visit):
    new, returning, cancelled_before, later_first = person(), person(), person(), person()
    visit(new, NOW - 5 * DAY)
    visit(new, NOW + 5 * DAY)
    visit(returning, NOW - 5 * DAY)
    visit(returning, NOW - 400 * DAY)
    visit(cancelled_before, NOW - 300 * DAY, cancelled_at=NOW - 301 * DAY)  # never came: still new
    visit(cancelled_before, NOW - 3 * DAY)
    visit(later_first, NOW + 40 * DAY)
    assert ids(Conditions(first_appointment=DateRange(last_days=30))) == [new.id, cancelled_before.id]
    assert ids(Conditions(first_appointment=DateRange(next_days=60))) == [later_first.id]


def test_linked_to_cliniko(db, person):
    linked, local = person(linked=True), person()
    assert ids(Conditions(linked="linked")) == [linked.id]
    assert ids(Conditions(linked="not_linked")) == [local.id]


def test_conditions_combine_with_and(db, person, visit):
    lee = PractitionerFactory()
    keep, no_upcoming, not_linked = person(linked=True), person(linked=True), person()
    for contact in (keep, no_upcoming, not_linked):
        visit(contact, NOW - 10 * DAY, practitioner=lee, patient_arrived=True)
    visit(keep, NOW + 10 * DAY)
    visit(not_linked, NOW + 10 * DAY)
    conditions = Conditions(practitioner_ids=(lee.id,), statuses=("attended",), upcoming="has", linked="linked")
    assert ids(conditions) == [keep.id]


@pytest.mark.parametrize("field", ["appointment_date", "booked", "first_appointment"])
def test_no_appointments_at_all_matches_no_appointment_condition(db, person, field):
    person()
    assert ids(Conditions(**{field: DateRange(last_days=30)})) == []
    assert len(ids(Conditions())) == 1  # no conditions: every subscribed contact
