"""Classes as staff see them: a contact's class attendances in the feed and the Appointments
card, and the automation editor's "individual appointments / group classes / both" choice."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from oncord.extensions import db
from oncord.models import EventKind
from tests.factories import ActivityEventFactory, AppointmentFactory, AppointmentTypeFactory, ContactFactory


def test_a_contact_page_shows_class_attendances(page, sign_in, screenshot):
    ana = ContactFactory(first_name="Ana", last_name="Smith", linked=True)
    pilates = AppointmentTypeFactory(name="Clinical Pilates")
    starts = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(days=2)
    seat = AppointmentFactory(id=-1390000000000000042, kind="group", attendee_id=1390000000000000042,
                              group_appointment_id=1390000000000000007, contact=ana, appointment_type=pilates,
                              starts_at=starts, did_not_arrive=True)
    upcoming = AppointmentFactory(id=-1390000000000000043, kind="group", attendee_id=1390000000000000043,
                                  group_appointment_id=1390000000000000008, contact=ana, appointment_type=pilates,
                                  starts_at=starts + timedelta(days=7))
    ActivityEventFactory(contact=ana, appointment=seat, kind=EventKind.APPOINTMENT_BOOKED.value,
                         occurred_at=starts - timedelta(days=3))
    ActivityEventFactory(contact=ana, appointment=seat, kind=EventKind.APPOINTMENT_DID_NOT_ARRIVE.value,
                         occurred_at=starts + timedelta(hours=1))
    ActivityEventFactory(contact=ana, appointment=upcoming, kind=EventKind.APPOINTMENT_BOOKED.value,
                         occurred_at=starts + timedelta(hours=2))
    db.session.commit()
    sign_in("staff")
    page.goto(f"/contacts/{ana.id}")
    expect(page.locator(".feed-title", has_text="Did not arrive for a class")).to_be_visible()
    expect(page.locator("#appointment--1390000000000000043")).to_contain_text("Clinical Pilates")
    expect(page.locator("#appointment--1390000000000000043")).to_contain_text("Group class")
    screenshot("classes-contact")


def test_the_automation_editor_offers_individual_group_or_both(page, sign_in, screenshot):
    sign_in("staff")
    page.goto("/marketing/automations/new")
    both = page.locator("input[name=booking_kinds][value=both]")
    expect(both).to_be_checked()
    page.check("input[name=booking_kinds][value=group]")
    expect(page.locator("input[name=booking_kinds][value=group]")).to_be_checked()
    screenshot("classes-automation-editor")
