"""An SMS campaign sent during quiet hours: staff are told when the texts will go, and none goes now."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from oncord.automations import clinic_time
from oncord.extensions import db
from oncord.messaging import consent
from oncord.models import Campaign, ConsentSource, Message
from tests.factories import ContactFactory


def test_an_sms_campaign_sent_in_quiet_hours_says_when_it_will_go(app, page, sign_in, screenshot, run_jobs,
                                                                  monkeypatch):
    wall = clinic_time.local(datetime.now(timezone.utc))
    start, end = (wall - timedelta(hours=1)).time(), (wall + timedelta(hours=2)).time()
    monkeypatch.setitem(app.config, "AUTOMATION_QUIET_HOURS", f"{start:%H:%M}-{end:%H:%M}")  # it is quiet now
    contact = ContactFactory(first_name="Ana")
    consent.set_status(contact, "sms", "subscribed", ConsentSource.CLINIKO_PULL)
    campaign = Campaign(name="Flu shots", channel="sms", body="Hi {{ contact.first_name }}, flu shots are in.",
                        conditions={})
    db.session.add(campaign)
    db.session.commit()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())  # "Send … now?"
    sign_in("staff")
    page.goto(f"/marketing/campaigns/{campaign.id}/")
    page.click("#send-now")
    expect(page.locator(".flash-success")).to_contain_text(
        f"Quiet hours ({start:%H:%M}–{end:%H:%M}): the texts wait until ")
    run_jobs()  # the first batch: it only schedules the next for the end of quiet hours
    page.reload()
    note = page.locator("#quiet-hours")
    expect(note).to_contain_text(f"the texts wait until {clinic_time.format_local(clinic_time.quiet_until(datetime.now(timezone.utc)))}")
    expect(page.locator("#campaign-status")).to_have_text("Sending")
    screenshot("campaign-sms-quiet-hours")
    assert db.session.query(Message).count() == 0
    assert not errors, errors
