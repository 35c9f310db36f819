"""Finding a contact and reading their page, in a real browser."""
import re
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from oncord.models import ClinikoConnection, EventKind
from tests.factories import ActivityEventFactory, AppointmentFactory, ContactFactory, PractitionerFactory

PEOPLE = [
    ("Ana", "Smith", "subscribed", "subscribed", True), ("Ben", "Okafor", "pending", "unsubscribed", True),
    ("Chloe", "Nguyen", "unsubscribed", "pending", False), ("Dev", "Patel", "subscribed", "pending", True),
    ("Ella", "Smithers", "pending", "pending", False), ("Finn", "O'Brien", "subscribed", "subscribed", True),
    ("Grace", "Wong", "pending", "subscribed", True), ("Hana", "Kowalski", "subscribed", "unsubscribed", False),
]


def seed(db):
    db.session.add(ClinikoConnection(shard="au2", subdomain="harbour-physio"))
    contacts = {first: ContactFactory(first_name=first, last_name=last, email_status=email, sms_status=sms,
                                      linked=linked, city="Newtown", state="NSW", country="Australia")
                for first, last, email, sms, linked in PEOPLE}
    ana = contacts["Ana"]
    ana.link_note = "Matched to the Cliniko patient by email on the first pull."
    doctor = PractitionerFactory(first_name="Kim", last_name="Tran")
    start = datetime(2025, 3, 4, 23, 30, tzinfo=timezone.utc)
    for n, (kind, fields) in enumerate([
        (EventKind.APPOINTMENT_ARRIVED, {"patient_arrived": True}),
        (EventKind.APPOINTMENT_CANCELLED, {"cancelled_at": start, "cancellation_reason": "Feeling better"}),
        (EventKind.APPOINTMENT_DID_NOT_ARRIVE, {"did_not_arrive": True}),
        (EventKind.APPOINTMENT_BOOKED, {}),
    ]):
        appointment = AppointmentFactory(contact=ana, practitioner=doctor, starts_at=start + timedelta(days=7 * n), **fields)
        ActivityEventFactory(contact=ana, appointment=appointment, kind=kind.value,
                             occurred_at=start + timedelta(days=7 * n, hours=1))
    ActivityEventFactory(contact=ana, kind=EventKind.PATIENT_IMPORTED.value, backfill=True,
                         occurred_at=start - timedelta(days=30))
    db.session.commit()
    return contacts


def test_search_as_you_type_and_open_a_contact(page, db, screenshot, sign_in):
    contacts = seed(db)
    sign_in()
    page.click("nav >> text=Contacts")
    expect(page.locator(".contacts-table tbody tr")).to_have_count(len(PEOPLE))
    screenshot("contacts-list")

    page.evaluate("window.notReloaded = true")
    page.locator("input[name=q]").press_sequentially("smith", delay=30)
    expect(page.locator(".contacts-table tbody tr")).to_have_count(2)  # Smith and Smithers
    assert page.evaluate("window.notReloaded") is True  # swapped in place, not a new page
    expect(page).to_have_url(re.compile(r"/contacts/\?q=smith$"))  # pushed, so reload and back work
    page.select_option("select[name=sms]", "subscribed")
    expect(page.locator(".contacts-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/contacts/\?q=smith&sms=subscribed$"))
    assert page.evaluate("window.notReloaded") is True
    page.go_back()
    expect(page.locator(".contacts-table tbody tr")).to_have_count(2)
    page.reload()  # a pushed URL loads as a whole page
    expect(page.locator(".contacts-table tbody tr")).to_have_count(2)
    expect(page.locator("input[name=q]")).to_have_value("smith")

    page.click("text=Ana Smith")
    expect(page.locator("h1")).to_contain_text("Ana Smith")
    badge = page.locator("a.badge-cliniko")
    expect(badge).to_have_attribute("href", f"https://harbour-physio.au2.cliniko.com/patients/{contacts['Ana'].cliniko_patient_id}")
    expect(badge).to_have_attribute("target", "_blank")
    expect(page.locator(".feed-item")).to_have_count(5)
    expect(page.locator(".feed")).to_contain_text("Cancelled · Feeling better")
    screenshot("contact-page")


def test_empty_search_and_adding_a_contact(page, db, screenshot, sign_in):
    sign_in()
    page.goto("/contacts/")
    expect(page.locator(".empty-state")).to_contain_text("No contacts yet")
    page.click("text=Add contact")
    page.fill("#first_name", "Zoe")
    page.locator("#phone").press_sequentially("12")
    # checked as typed, before any save
    phone_field = page.locator(".field", has=page.locator("#phone"))
    expect(phone_field.locator(".error")).to_contain_text("not a valid phone number")
    page.click("button:has-text('Add contact')")
    expect(page.locator(".field.has-error")).to_contain_text("not a valid phone number")
    screenshot("contact-new-errors")
    page.fill("#phone", "0412 345 678")
    expect(phone_field.locator(".error")).to_have_count(0)
    page.click("button:has-text('Add contact')")
    expect(page.locator(".flash-success")).to_contain_text("Zoe was added")
    expect(page.locator("main")).to_contain_text("0412 345 678")
