"""The audience builder in a real browser: the count changes as conditions are added, a ready-made
audience fills the builder in, and the health-information rule appears beside the count."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from oncord.extensions import db
from oncord.messaging import consent
from oncord.models import ConsentSource
from tests.factories import AppointmentFactory, AppointmentTypeFactory, ContactFactory, PractitionerFactory


def _patient(first, last, source=ConsentSource.CLINIKO_PULL):
    contact = ContactFactory(first_name=first, last_name=last)
    consent.set_status(contact, "email", "subscribed", source)
    return contact


def _seed():
    lee = PractitionerFactory(first_name="Ann", last_name="Lee", title="Dr")
    kim = PractitionerFactory(first_name="Bo", last_name="Kim", title="Dr")
    initial = AppointmentTypeFactory(name="Initial Consultation")
    follow = AppointmentTypeFactory(name="Follow-up")
    now = datetime.now(timezone.utc)
    for i, (first, last, who, kind) in enumerate([("Ana", "Smith", lee, initial), ("Ben", "Jones", lee, follow),
                                                  ("Cy", "Brown", kim, initial)]):
        AppointmentFactory(contact=_patient(first, last), practitioner=who, appointment_type=kind,
                           starts_at=now - timedelta(days=3 + i))
    AppointmentFactory(contact=_patient("Dee", "Long-ago"), practitioner=lee, appointment_type=initial,
                       starts_at=now - timedelta(days=400))
    db.session.commit()
    return lee, initial


def test_the_count_follows_the_conditions(page, sign_in, screenshot):
    lee, initial = _seed()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in("staff")
    page.goto("/dashboard")
    page.click("nav >> text=Audiences")
    count = page.locator("#audience-included")
    expect(count).to_have_text("4")
    days = page.locator("input[name=aud_appointment_date_days]")
    expect(days).to_be_hidden()  # only the inputs the chosen kind of range needs
    page.select_option("select[name=aud_appointment_date_mode]", "last")
    expect(days).to_be_visible()
    expect(page.locator("input[name=aud_appointment_date_start]")).to_be_hidden()
    page.fill("input[name=aud_appointment_date_days]", "30")
    page.locator("input[name=aud_appointment_date_days]").dispatch_event("change")
    expect(count).to_have_text("3")
    page.select_option("#aud_practitioner_ids", str(lee.id))
    expect(count).to_have_text("2")
    expect(page.locator("#audience-health")).to_be_visible()
    page.select_option("#aud_appointment_type_ids", str(initial.id))
    expect(count).to_have_text("1")
    expect(page.locator(".audience-sample")).to_have_text("Ana Smith")
    screenshot("audience-builder")
    page.click("button[data-preset=lapsed_6_months]")
    expect(page.locator("#aud_last_appointment_months")).to_have_value("6")
    expect(count).to_have_text("1")  # Dee, last seen 400 days ago
    expect(page.locator(".audience-sample")).to_have_text("Dee Long-ago")
    page.select_option("#channel", "sms")
    expect(page.locator(".audience-left-out")).to_contain_text("Not subscribed to SMS")
    page.select_option("select[name=aud_booked_mode]", "next")
    page.fill("input[name=aud_booked_days]", "0")
    page.locator("input[name=aud_booked_days]").dispatch_event("change")
    expect(page.locator(".audience-errors")).to_contain_text("Booked: enter a whole number of days from 1 to 3,650.")
    screenshot("audience-builder-error")
    assert errors == []
