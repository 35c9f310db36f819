"""Issue 13's campaign flow in a real browser: build a campaign for one practitioner and one
appointment type over a date range, watch the count change as conditions are added, send it,
watch the progress bar finish (a real worker sends), and find the messages in Marketing > Messages."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from oncord.automations import clinic_time
from oncord.extensions import db
from oncord.messaging import consent
from oncord.models import Campaign, ConsentSource, Message
from tests.factories import AppointmentFactory, AppointmentTypeFactory, ContactFactory, PractitionerFactory


def _patient(first: str) -> object:
    contact = ContactFactory(first_name=first, last_name="Example", email=f"{first.lower()}@mail.example")
    consent.set_status(contact, "email", "subscribed", ConsentSource.CLINIKO_PULL)
    return contact


def _seed(now: datetime):
    lee = PractitionerFactory(first_name="Ann", last_name="Lee", title="Dr")
    kim = PractitionerFactory(first_name="Bo", last_name="Kim", title="Dr")
    initial = AppointmentTypeFactory(name="Initial Consultation")
    follow = AppointmentTypeFactory(name="Follow-up")
    in_range, too_early = now - timedelta(days=10), now - timedelta(days=40)
    for first, who, kind, when in [("Ana", lee, initial, in_range), ("Ben", lee, initial, in_range),
                                   ("Cy", lee, follow, in_range), ("Dee", kim, initial, in_range),
                                   ("Eve", lee, initial, too_early)]:
        AppointmentFactory(contact=_patient(first), practitioner=who, appointment_type=kind, starts_at=when)
    db.session.commit()
    return lee, initial


def settled(page) -> None:
    """No HTMX request in flight (htmx marks the requesting element with .htmx-request)."""
    page.wait_for_timeout(600)  # past the editor's 500 ms typing delay
    expect(page.locator(".htmx-request")).to_have_count(0)


def test_build_send_and_follow_a_campaign(app, page, sign_in, screenshot, sender_identity, start_worker):
    now = datetime.now(timezone.utc)
    lee, initial = _seed(now)
    start_worker()  # outbox mode: recorded as sent, nothing leaves the machine
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())  # "Send … now?"
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    sign_in("staff")
    page.click("nav >> text=Campaigns")
    page.click("text=New email campaign")
    page.fill("#name", "Initial consultations follow-up")
    page.fill("#subject", "How are you feeling, {{ contact.first_name | default(\"there\") }}?")
    page.fill("#body", "Hi {{ contact.first_name | default(\"there\") }},\n\nThank you for visiting **Dr Lee**.")
    expect(page.locator(".preview-subject")).to_have_text("How are you feeling, Alex?")  # made-up details
    expect(page.frame_locator("iframe.email-preview").locator("body")).to_contain_text("Thank you for visiting Dr Lee.")

    count = page.locator("#audience-included")
    expect(count).to_have_text("5")
    today = clinic_time.local(now).date()
    page.select_option("select[name=aud_appointment_date_mode]", "between")
    page.fill("input[name=aud_appointment_date_start]", (today - timedelta(days=20)).isoformat())
    page.fill("input[name=aud_appointment_date_end]", (today - timedelta(days=5)).isoformat())
    page.locator("input[name=aud_appointment_date_end]").dispatch_event("change")
    expect(count).to_have_text("4")
    page.select_option("#aud_practitioner_ids", str(lee.id))
    expect(count).to_have_text("3")
    page.select_option("#aud_appointment_type_ids", str(initial.id))
    expect(count).to_have_text("2")
    expect(page.locator("#audience-health")).to_be_visible()
    screenshot("campaign-1-editor")
    settled(page)  # leaving the page mid-request would abort it (htmx logs that as an error)
    page.click("#save-campaign")
    expect(page.locator(".flash-success")).to_contain_text("is saved as a draft")
    expect(count).to_have_text("2")  # the saved conditions, counted again
    expect(page.locator("#test-to")).to_have_value("sam@clinic.example")  # a test goes to yourself
    screenshot("campaign-1b-saved")

    settled(page)
    page.click("#send-now")
    expect(page.locator("#campaign-status")).to_have_text("Finished", timeout=90_000)
    expect(page.locator("#count-sent")).to_have_text("2")
    progress = page.locator("progress.campaign-progress")
    expect(progress).to_have_attribute("value", "100")
    expect(page.locator("#campaign-progress")).not_to_have_attribute("hx-trigger", "every 2s")  # polling stopped
    screenshot("campaign-2-results")

    settled(page)
    page.click("#campaign-messages")
    rows = page.locator("#message-results")
    expect(rows).to_contain_text("Ana Example")
    expect(rows).to_contain_text("Ben Example")
    expect(rows).not_to_contain_text("Cy Example")
    screenshot("campaign-3-messages")
    page.click("nav >> text=Campaigns")
    row = page.locator(".campaigns-table tbody tr").first
    expect(row).to_contain_text("Initial consultations follow-up")
    expect(row).to_contain_text("Finished")
    screenshot("campaign-4-list")
    # The practice manager's morning read: today's bar counts the campaign's two emails.
    page.click("nav >> text=Dashboard")
    chart = page.locator(".board svg.chart-svg")
    expect(chart).to_be_visible()
    today = chart.locator("a").last.get_attribute("aria-label")  # e.g. "Sun 29 Nov: 2 sent, 0 skipped, 0 failed"
    assert int(today.split(": ")[1].split(" sent")[0]) >= 2, today
    screenshot("campaign-5-dashboard")
    campaign = db.session.query(Campaign).one()
    assert db.session.query(Message).filter_by(source="campaign", source_id=campaign.id).count() == 2
    assert errors == [], "\n".join(errors)

