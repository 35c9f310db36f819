"""Edit a linked contact in the browser, see it wait for Cliniko, then see it synced."""
from datetime import timedelta

import time_machine
from playwright.sync_api import expect

from oncord.models import Contact
from oncord.sync import pull
from oncord.timestamps import utcnow


def test_edit_wait_and_sync(page, db, sandbox, connected, sign_in, run_jobs, screenshot):
    sandbox.reset(patients=0, appointments=0, seed=1)
    patient = sandbox.world.create_patient(first_name="Noah", last_name="Kim", email="noah@example.com")
    pull.run(connected.id)
    contact = db.session.query(Contact).filter_by(cliniko_patient_id=int(patient["id"])).one()
    sign_in()
    page.goto(f"/contacts/{contact.id}")
    expect(page.locator("#contact-sync-state")).to_contain_text("Synced")
    page.click("text=Edit")
    page.fill("#email", "noah.kim@example.com")
    page.select_option("#sms_status", "unsubscribed")
    page.click("button:has-text('Save changes')")
    expect(page.locator(".flash-success")).to_contain_text("reaches Cliniko at about")
    expect(page.locator("#contact-sync-state")).to_contain_text("Waiting to sync")
    screenshot("contact-waiting-to-sync")
    with time_machine.travel(utcnow() + timedelta(minutes=2, seconds=30)):  # the two minutes are up
        run_jobs(due_by=utcnow())
    page.reload()
    expect(page.locator("#contact-sync-state")).to_contain_text("Synced")
    expect(page.locator(".feed")).to_contain_text("Changes sent to Cliniko")
    screenshot("contact-synced")
    assert sandbox.world.patient(patient["id"])["email"] == "noah.kim@example.com"
    assert sandbox.world.patient(patient["id"])["accepted_sms_marketing"] is False
