"""Automations in a real browser: build a "24 hours before" SMS reminder for one practitioner, see whom
the preview lists, switch it on, and after the clock passes the due time find the SMS in Marketing >
Messages and in the contact's feed."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from oncord.extensions import db
from oncord.models import Automation, MessageTemplate
from tests.factories import AppointmentFactory, AppointmentTypeFactory, ContactFactory, PractitionerFactory


def _seed_in_db():
    lee = PractitionerFactory(first_name="Ann", last_name="Lee", title="Dr")
    kim = PractitionerFactory(first_name="Bo", last_name="Kim", title="Dr")
    initial = AppointmentTypeFactory(name="Initial Consultation")
    ana = ContactFactory(first_name="Ana", last_name="Smith", sms_status="subscribed")
    ben = ContactFactory(first_name="Ben", last_name="Jones", sms_status="subscribed")
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(days=2)
    AppointmentFactory(contact=ana, practitioner=lee, appointment_type=initial, starts_at=start)
    AppointmentFactory(contact=ben, practitioner=kim, appointment_type=initial, starts_at=start + timedelta(hours=1))
    db.session.add(MessageTemplate(name="Reminder SMS", channel="sms", kind="factual",
                                   body="Hi {{ contact.first_name }}, see you tomorrow."))
    db.session.add(MessageTemplate(name="Offer SMS", channel="sms", kind="factual",
                                   body="Book now and get 20% off your next visit!"))
    db.session.commit()
    return lee


def test_build_a_reminder_in_the_editor(page, sign_in, screenshot):
    lee = _seed_in_db()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in("staff")
    page.goto("/dashboard")
    page.click("nav >> text=Automations")
    page.click("text=New automation")
    page.fill("#name", "Reminder the day before")
    page.check("input[name=trigger][value=upcoming]")
    expect(page.locator("#offset_amount")).to_be_visible()
    expect(page.locator("#grace_minutes")).to_be_hidden()
    page.fill("#offset_amount", "24")
    page.select_option("#offset_unit", "hours")
    page.select_option("#practitioner_ids", str(lee.id))
    page.select_option("#steps-0-template_id", label="Offer SMS")
    expect(page.locator(".promotional-warning")).to_contain_text("20% off")
    page.select_option("#steps-0-template_id", label="Reminder SMS")
    expect(page.locator(".promotional-warning")).to_have_count(0)
    page.click("button:has-text('+ Wait')")
    expect(page.locator("#step-1")).to_contain_text("Wait")
    page.click("button[aria-label='Move step 2 up']")
    expect(page.locator("#step-0")).to_contain_text("Wait")
    page.click("button[aria-label='Remove step 1']")
    expect(page.locator(".step")).to_have_count(1)
    screenshot("automation-editor")
    page.click("#save-automation")
    expect(page.locator(".flash-success")).to_contain_text("is saved")
    automation = db.session.query(Automation).one()
    assert automation.practitioner_ids == [lee.id] and automation.offset_minutes == 1440
    page.click("nav >> text=Automations")
    expect(page.locator(f"#automation-{automation.id}")).to_contain_text("24 hours before an appointment with Dr Ann Lee")
    screenshot("automation-list")
    assert not [e for e in errors if "Content Security Policy" in e], errors
