"""Scheduling a campaign on the clinic's clock: the RQ job at that time, and the check that saves a lost job."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest
import time_machine
from rq.job import Job

from oncord.campaigns import scheduling
from oncord.models import Campaign, CampaignStatus
from oncord.queues import get_queue, job_id
from tests.campaigns.campaign_fixtures import campaign_of, provider  # noqa: F401  (fixtures)
from tests.messaging.recording_channel import calls

UTC = timezone.utc
# Mon 30 Nov 2026, 10:00 in Sydney (AEDT, UTC+11).
NOW = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def fresh(db, campaign_id) -> Campaign:
    db.session.expire_all()
    return db.session.get(Campaign, campaign_id)


def scheduled_at(campaign_id: int) -> list[datetime]:
    registry = get_queue().scheduled_job_registry
    return [datetime.fromtimestamp(score, tz=UTC)
            for raw_id, score in get_queue().connection.zrange(registry.key, 0, -1, withscores=True)
            if raw_id.decode().startswith(job_id(f"campaign-start-{campaign_id}-"))]


def test_a_local_time_becomes_utc_in_the_clinic_zone(db, clock):
    assert scheduling.send_at_from_local(date(2026, 12, 1), time(9, 30)) == datetime(2026, 11, 30, 22, 30, tzinfo=UTC)
    assert scheduling.send_at_from_local(date(2027, 6, 1), time(9, 30)) == datetime(2027, 5, 31, 23, 30, tzinfo=UTC)
    with pytest.raises(scheduling.ScheduleRefused, match="passed"):
        scheduling.send_at_from_local(date(2026, 11, 30), time(9, 0))
    with pytest.raises(scheduling.ScheduleRefused, match="does not exist"):  # Sydney skips 02:00-03:00 on Sun 3 Oct 2027
        scheduling.send_at_from_local(date(2027, 10, 3), time(2, 30))
    with pytest.raises(scheduling.ScheduleRefused, match="Choose"):
        scheduling.send_at_from_local(None, time(9, 0))


def test_a_scheduled_campaign_starts_at_its_time_and_not_before(db, person, campaign_of, provider, sender_identity,
                                                                run_jobs, clock):
    person(first_name="Ana", email="ana@mail.example")
    db.session.commit()
    campaign = campaign_of("email")
    when = scheduling.send_at_from_local(date(2026, 12, 1), time(9, 0))
    assert scheduling.schedule(campaign, when)
    db.session.commit()
    scheduling.queue_start(fresh(db, campaign.id))
    assert scheduled_at(campaign.id) == [when]
    run_jobs(due_by=datetime(2026, 11, 30, 21, 59, tzinfo=UTC))
    assert fresh(db, campaign.id).status == CampaignStatus.SCHEDULED.value and calls(provider) == []
    clock.move_to(when)
    run_jobs(due_by=when)
    campaign = fresh(db, campaign.id)
    assert campaign.status == CampaignStatus.FINISHED.value and campaign.started_at == when
    assert [c["to"] for c in calls(provider)] == ["ana@mail.example"]


def test_the_periodic_check_starts_a_campaign_whose_job_was_lost(db, person, campaign_of, provider, sender_identity,
                                                                 run_jobs, clock):
    person(first_name="Ana", email="ana@mail.example")
    db.session.commit()
    campaign = campaign_of("email")
    when = scheduling.send_at_from_local(date(2026, 12, 1), time(9, 0))
    scheduling.schedule(campaign, when)
    db.session.commit()
    scheduling.queue_start(fresh(db, campaign.id))
    get_queue().connection.flushdb()  # Redis lost everything
    clock.move_to(datetime(2026, 11, 30, 22, 0, 30, tzinfo=UTC))
    assert scheduling.check() == {"started": [campaign.id], "resumed": []}
    run_jobs()
    assert fresh(db, campaign.id).status == CampaignStatus.FINISHED.value
    assert len(calls(provider)) == 1
    assert scheduling.check() == {"started": [], "resumed": []}  # nothing twice


def test_the_check_picks_up_a_sending_campaign_whose_batch_job_is_gone(db, person, campaign_of, provider,
                                                                       sender_identity, run_jobs, clock):
    from oncord.campaigns import sending

    person(first_name="Ana", email="ana@mail.example")
    db.session.commit()
    campaign = campaign_of("email")
    sending.start_now(campaign)
    db.session.commit()  # started, but its batch job was never queued (a crash between the two)
    assert not scheduling.batch_running(campaign.id)
    assert scheduling.check()["resumed"] == [campaign.id]
    assert scheduling.batch_running(campaign.id)
    assert scheduling.check()["resumed"] == []  # a waiting job is enough
    run_jobs()
    assert fresh(db, campaign.id).status == CampaignStatus.FINISHED.value


def test_reschedule_and_unschedule(db, person, campaign_of, provider, sender_identity, run_jobs, clock):
    person(first_name="Ana", email="ana@mail.example")
    db.session.commit()
    campaign = campaign_of("email")
    first = scheduling.send_at_from_local(date(2026, 12, 1), time(9, 0))
    later = scheduling.send_at_from_local(date(2026, 12, 2), time(9, 0))
    scheduling.schedule(campaign, first)
    db.session.commit()
    scheduling.queue_start(fresh(db, campaign.id))
    assert scheduling.schedule(fresh(db, campaign.id), later)
    db.session.commit()
    scheduling.queue_start(fresh(db, campaign.id))
    assert scheduled_at(campaign.id) == [later]  # the first time's job is gone
    clock.move_to(first)
    run_jobs(due_by=first)
    assert scheduling.check()["started"] == []
    assert fresh(db, campaign.id).status == CampaignStatus.SCHEDULED.value and calls(provider) == []
    assert scheduling.unschedule(fresh(db, campaign.id))
    db.session.commit()
    campaign = fresh(db, campaign.id)
    assert campaign.status == CampaignStatus.DRAFT.value and campaign.send_at is None
    assert scheduled_at(campaign.id) == []
    clock.move_to(later)
    run_jobs(include_scheduled=True)
    assert scheduling.check()["started"] == [] and calls(provider) == []


def test_a_start_job_that_fires_for_a_moved_time_does_nothing(db, campaign_of, clock):
    campaign = campaign_of("email")
    when = scheduling.send_at_from_local(date(2026, 12, 1), time(9, 0))
    scheduling.schedule(campaign, when)
    db.session.commit()
    assert not scheduling.start_if_due(campaign.id)  # not due yet
    assert not Job.exists(scheduling.start_job_id(campaign.id, when), connection=get_queue().connection)
