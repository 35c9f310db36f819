"""Automations in a real browser: build a "24 hours before" SMS reminder for one practitioner, see whom
the preview lists, switch it on, and after the clock passes the due time find the SMS in Marketing >
Messages and in the contact's feed."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from oncord.extensions import db
from oncord.models import Automation, MessageTemplate
from tests.factories import AppointmentFactory, AppointmentTypeFactory, ContactFactory, PractitionerFactory


def _steps_settled(page):
    """htmx binds the swapped-in steps' listeners only once they settle (20 ms later): wait, or a quick
    next action would find a select nobody listens to yet."""
    expect(page.locator("#steps.htmx-request, #steps.htmx-added, #steps.htmx-settling")).to_have_count(0)


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
    _steps_settled(page)
    page.select_option("#steps-0-template_id", label="Reminder SMS")
    expect(page.locator(".promotional-warning")).to_have_count(0)
    _steps_settled(page)
    page.click("button:has-text('+ Wait')")
    expect(page.locator("#step-1")).to_contain_text("Wait")
    _steps_settled(page)
    page.click("button[aria-label='Move step 2 up']")
    expect(page.locator("#step-0")).to_contain_text("Wait")
    _steps_settled(page)
    page.click("button[aria-label='Remove step 1']")
    expect(page.locator(".step")).to_have_count(1)
    _steps_settled(page)
    screenshot("automation-editor")
    page.check("input[name=trigger][value=finished]")  # a bad value in another trigger's settings...
    page.fill("#grace_minutes", "-5")
    page.check("input[name=trigger][value=upcoming]")
    expect(page.locator("#grace_minutes")).to_be_hidden()
    page.click("#save-automation")
    expect(page.locator("#grace_minutes")).to_be_visible()  # ...is shown beside its field, never hidden
    expect(page.locator(".has-error")).to_contain_text("Number must be between 0 and 10000")
    page.fill("#grace_minutes", "60")
    page.click("#save-automation")
    expect(page.locator(".flash-success")).to_contain_text("is saved")
    automation = db.session.query(Automation).one()
    assert automation.practitioner_ids == [lee.id] and automation.offset_minutes == 1440
    page.click("nav >> text=Automations")
    expect(page.locator(f"#automation-{automation.id}")).to_contain_text("24 hours before an appointment with Dr Ann Lee")
    screenshot("automation-list")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def _seed_in_cliniko(sandbox, connected):
    """Two patients with appointments in two days, each with a different practitioner, synced as the
    real integration would; a third, with the same practitioner as Ana, books too late for the preview."""
    from sqlalchemy import select

    from oncord.models import Appointment, Contact
    from oncord.sync import pull

    world = sandbox.world
    consent = {"accepted_sms_marketing": True, "accepted_email_marketing": True}

    def mobile(number):
        return {"patient_phone_numbers": [{"number": number, "phone_type": "Mobile"}]}

    ana = world.create_patient(first_name="Ana", last_name="Smith", **consent, **mobile("0412 345 678"))
    ben = world.create_patient(first_name="Ben", last_name="Jones", **consent, **mobile("0412 345 679"))
    cara = world.create_patient(first_name="Cara", last_name="Brown", **consent, **mobile("0412 345 670"))
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(days=2)
    first, second = [world._row("practitioners", r["id"]) for r in world.store.select(
        "SELECT id FROM practitioners WHERE active = 1 ORDER BY id LIMIT 2")]

    def book(patient, practitioner, starts_at):
        return world.book_appointment(patient["id"], starts_at=starts_at, practitioner_id=str(practitioner["id"]),
                                      business_id=str((practitioner["business_ids"] or world.clinic.business_ids)[0]))

    ana_visit = book(ana, first, start)
    book(ben, second, start + timedelta(hours=1))
    book(cara, first, start + timedelta(days=8))
    pull.run(connected.id)
    db.session.add(MessageTemplate(name="Reminder SMS", channel="sms", kind="factual",
                                   body="Hi {{ contact.first_name }}, see you tomorrow at {{ appointment.time }}."))
    db.session.commit()
    contact = db.session.scalars(select(Contact).where(Contact.cliniko_patient_id == int(ana["id"]))).one()
    appointment = db.session.get(Appointment, int(ana_visit["id"]))
    return contact, appointment


def test_a_reminder_filtered_by_one_practitioner_reaches_the_right_person_once_due(
        page, sign_in, screenshot, sandbox, connected):
    import time_machine

    from oncord import jobs

    ana, visit = _seed_in_cliniko(sandbox, connected)
    lee = visit.practitioner
    sign_in("staff")
    page.goto("/marketing/automations/new")
    page.fill("#name", "Reminder the day before")
    page.fill("#offset_amount", "24")
    page.select_option("#offset_unit", "hours")
    page.select_option("#practitioner_ids", str(lee.id))
    page.select_option("#steps-0-template_id", label="Reminder SMS")
    upcoming = page.locator("#preview-upcoming")
    expect(upcoming).to_contain_text("Ana Smith")
    expect(upcoming.locator(".preview-row")).to_have_count(1)  # not Ben (another practitioner), not Cara (later)
    expect(page.locator("#automation-preview")).not_to_contain_text("Ben Jones")
    due = visit.starts_at - timedelta(hours=24)
    expect(upcoming).to_contain_text(due.astimezone(_zone()).strftime("%-d %b, %-I:%M %p"))
    screenshot("automation-editor-preview")
    page.click("#save-automation")
    expect(page.locator(".flash-success")).to_contain_text("is saved")
    page.click("#switch-on")
    expect(page.locator(".confirm-card")).to_contain_text("only what happens from now on")
    page.fill("#since", datetime.now(_zone()).date().isoformat())
    page.click("button:has-text('Show who would get a message')")
    expect(page.locator(".confirm-card")).to_contain_text("Nobody: nothing since that day matches")
    screenshot("automation-switch-on")
    page.click(".confirm-card button:has-text('Switch on')")
    expect(page.locator(".automation-state")).to_contain_text("On")
    automation = db.session.query(Automation).one()

    with time_machine.travel(due + timedelta(minutes=1), tick=True):
        jobs.automations_tick()
        page.goto(f"/marketing/automations/{automation.id}/log")
        expect(page.locator(".log-table")).to_contain_text("Ana Smith")
        expect(page.locator(".log-table")).to_contain_text("Sent")
        screenshot("automation-run-log")
        page.click("nav >> text=Automations")
        row = page.locator(f"#automation-{automation.id}")
        expect(row.locator("td.right").first).to_have_text("1")  # sent in the last 7 days
        expect(row).to_contain_text("On")
        screenshot("automation-list-after-send")
        page.click("nav >> text=Messages")
        expect(page.locator("#message-results")).to_contain_text("Ana Smith")
        expect(page.locator("#message-results")).not_to_contain_text("Ben Jones")
        page.goto(f"/contacts/{ana.id}")
        expect(page.locator("body")).to_contain_text("see you tomorrow")
        jobs.automations_tick()  # a second tick sends nothing more
    from oncord.models import Message
    assert db.session.query(Message).filter_by(source="automation").count() == 1


def _zone():
    from zoneinfo import ZoneInfo

    from flask import current_app
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


def test_delete_an_automation_from_its_page(page, sign_in, screenshot):
    from oncord.models import AutomationStep

    _seed_in_db()
    template = db.session.query(MessageTemplate).filter_by(name="Reminder SMS").one()
    automation = Automation(name="Old recall", trigger="upcoming", offset_minutes=1440)
    automation.steps = [AutomationStep(position=0, type="sms", template_id=template.id, kind="factual")]
    db.session.add(automation)
    db.session.commit()
    sign_in("staff")
    page.goto(f"/marketing/automations/{automation.id}/")
    page.click("#delete-automation")
    expect(page.locator(".confirm-card")).to_contain_text("Old recall")
    screenshot("automation-delete-confirm")
    page.click("button:has-text('Delete automation')")
    expect(page.locator(".flash, [role=status], main").first).to_contain_text("is deleted")
    expect(page.locator(f"#automation-{automation.id}")).to_have_count(0)
    screenshot("automation-deleted")
