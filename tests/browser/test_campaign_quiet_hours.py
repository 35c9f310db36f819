"""An SMS campaign in quiet hours, in a real browser with a real worker: a night-time schedule is
refused, "Send now" says when the texts will go, the worker's batch only schedules the next one
for the morning (RQ's scheduler holds it), nothing is sent, and the dashboard says so too."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from oncord.automations import clinic_time
from oncord.campaigns import scheduling
from oncord.extensions import db
from oncord.messaging import consent
from oncord.models import Campaign, ConsentSource, Message
from oncord.queues import get_queue
from tests.factories import ContactFactory


def _scheduled_batch(campaign_id: int) -> float | None:
    """When RQ's scheduler will run the campaign's next batch (a timestamp), if it holds one."""
    registry = get_queue().scheduled_job_registry
    scores = [get_queue().connection.zscore(registry.key, job_id) for job_id in scheduling.batch_job_ids(campaign_id)]
    return next((score for score in scores if score is not None), None)


def test_an_sms_campaign_sent_in_quiet_hours_says_when_it_will_go(app, page, sign_in, screenshot, start_worker,
                                                                  monkeypatch):
    wall = clinic_time.local(datetime.now(timezone.utc))
    start, end = (wall - timedelta(hours=1)).time(), (wall + timedelta(hours=2)).time()
    quiet = f"{start:%H:%M}-{end:%H:%M}"  # it is quiet hours now, for the web app and the worker alike
    monkeypatch.setitem(app.config, "AUTOMATION_QUIET_HOURS", quiet)
    contact = ContactFactory(first_name="Ana")
    consent.set_status(contact, "sms", "subscribed", ConsentSource.CLINIKO_PULL)
    campaign = Campaign(name="Flu shots", channel="sms", body="Hi {{ contact.first_name }}, flu shots are in.",
                        conditions={})
    db.session.add(campaign)
    db.session.commit()
    start_worker(ONCORD_AUTOMATION_QUIET_HOURS=quiet)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())  # "Send … now?"
    sign_in("staff")
    page.goto(f"/marketing/campaigns/{campaign.id}/")

    in_an_hour = wall + timedelta(hours=1)
    page.fill("#send-date", f"{in_an_hour:%Y-%m-%d}")
    page.fill("#send-time", f"{in_an_hour:%H:%M}")
    page.click("#schedule")
    expect(page.locator(".flash-error")).to_contain_text("Text messages are not sent in quiet hours")
    screenshot("campaign-sms-schedule-refused")

    page.click("#send-now")
    expect(page.locator(".flash-success")).to_contain_text(
        f"Quiet hours ({start:%H:%M}–{end:%H:%M}): the texts wait until ")
    deadline = time.monotonic() + 60
    while _scheduled_batch(campaign.id) is None:  # the worker ran the first batch: it scheduled the next
        assert time.monotonic() < deadline, "the worker did not schedule the next batch"
        time.sleep(0.2)
    morning = clinic_time.quiet_until(datetime.now(timezone.utc))
    assert _scheduled_batch(campaign.id) == morning.timestamp()
    page.reload()
    expect(page.locator("#quiet-hours")).to_contain_text(f"the texts wait until {clinic_time.format_local(morning)}")
    expect(page.locator("#campaign-status")).to_have_text("Sending")
    screenshot("campaign-sms-quiet-hours")
    page.goto("/dashboard")
    expect(page.locator(".campaign-lines")).to_contain_text("Quiet hours")
    screenshot("dashboard-sms-quiet-hours")
    db.session.expire_all()
    assert db.session.query(Message).count() == 0
    assert not errors, errors
