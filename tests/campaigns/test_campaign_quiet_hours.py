"""SMS campaigns wait out quiet hours (ONCORD_AUTOMATION_QUIET_HOURS, 20:00-08:00 clinic time): a
text campaign started at night sends in the morning, and none can be scheduled for the night."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest
import time_machine

from oncord.campaigns import scheduling, sending
from oncord.models import CampaignStatus
from oncord.queues import get_queue
from tests.campaigns.campaign_fixtures import campaign_of, provider, send_now  # noqa: F401  (fixtures)
from tests.messaging.recording_channel import calls

UTC = timezone.utc
NIGHT = datetime(2026, 11, 30, 10, 30, tzinfo=UTC)  # Mon 30 Nov 21:30 in Sydney (AEDT, UTC+11)
MORNING = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # Tue 1 Dec 08:00 in Sydney


@pytest.fixture
def clock():
    with time_machine.travel(NIGHT, tick=False) as traveller:
        yield traveller


def batch_jobs_scheduled(campaign_id: int) -> list[datetime]:
    registry = get_queue().scheduled_job_registry
    ids = scheduling.batch_job_ids(campaign_id)
    return [datetime.fromtimestamp(score, tz=UTC)
            for raw_id, score in get_queue().connection.zrange(registry.key, 0, -1, withscores=True)
            if raw_id.decode() in ids]


def test_an_sms_campaign_started_at_night_sends_in_the_morning(db, person, campaign_of, provider, run_jobs, clock,
                                                               client, login_as):
    person(first_name="Ana", email="ana@mail.example")
    db.session.commit()
    campaign = campaign_of("sms", body="Hi {{ contact.first_name }}, flu shots are in.")
    send_now(db, campaign)
    run_jobs()
    assert calls(provider) == []  # nobody texted at 21:30
    assert batch_jobs_scheduled(campaign.id) == [MORNING]  # the chain waits, scheduled, for 08:00
    assert not scheduling.check()["resumed"]  # a waiting chain is not a broken one
    login_as()
    page = client.get(f"/marketing/campaigns/{campaign.id}/results").get_data(as_text=True)
    assert "Quiet hours (20:00–08:00): the texts wait until Tue 1 Dec 08:00." in page

    clock.move_to(MORNING)
    run_jobs(due_by=MORNING)
    assert len(calls(provider)) == 1  # once, in the morning
    db.session.expire_all()
    assert db.session.get(type(campaign), campaign.id).status == CampaignStatus.FINISHED.value
    assert "Quiet hours" not in client.get(f"/marketing/campaigns/{campaign.id}/results").get_data(as_text=True)


def test_email_campaigns_have_no_quiet_hours(db, person, campaign_of, provider, sender_identity, run_jobs, clock):
    person(first_name="Ana", email="ana@mail.example")
    db.session.commit()
    campaign = campaign_of("email")
    send_now(db, campaign)
    run_jobs()
    assert [c["to"] for c in calls(provider)] == ["ana@mail.example"]


def test_the_morning_is_0800_on_the_wall_clock_across_a_dst_change(db, campaign_of):
    campaign = campaign_of("sms", body="Hi")
    # Sydney leaves daylight saving at 03:00 on Sun 5 Apr 2026: 21:00 AEDT the evening before, 08:00 AEST after.
    assert sending.quiet_until(campaign, datetime(2026, 4, 4, 10, 0, tzinfo=UTC)) == datetime(2026, 4, 4, 22, 0,
                                                                                             tzinfo=UTC)
    assert sending.quiet_until(campaign, datetime(2026, 4, 4, 23, 0, tzinfo=UTC)) is None  # 09:00 AEST: sends
    assert sending.quiet_until(campaign_of("email"), datetime(2026, 4, 4, 10, 0, tzinfo=UTC)) is None


def test_a_text_campaign_cannot_be_scheduled_for_quiet_hours(db, clock):
    with pytest.raises(scheduling.ScheduleRefused, match=r"quiet hours \(20:00–08:00\); choose a time from 08:00 to 20:00"):
        scheduling.send_at_from_local(date(2026, 12, 2), time(21, 0), channel="sms")
    with pytest.raises(scheduling.ScheduleRefused, match="quiet hours"):
        scheduling.send_at_from_local(date(2026, 12, 2), time(7, 59), channel="sms")
    assert scheduling.send_at_from_local(date(2026, 12, 2), time(8, 0), channel="sms") == datetime(
        2026, 12, 1, 21, 0, tzinfo=UTC)
    assert scheduling.send_at_from_local(date(2026, 12, 2), time(21, 0), channel="email")  # email: any time


def test_the_schedule_form_refuses_a_night_time_for_texts(db, client, login_as, csrf_token, campaign_of, clock):
    login_as()
    campaign = campaign_of("sms", body="Hi")
    token = csrf_token("/marketing/campaigns/")
    response = client.post(f"/marketing/campaigns/{campaign.id}/schedule", follow_redirects=True,
                           data={"csrf_token": token, "send_date": "2026-12-02", "send_time": "21:00"})
    assert "Text messages are not sent in quiet hours" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(campaign), campaign.id).status == CampaignStatus.DRAFT.value
