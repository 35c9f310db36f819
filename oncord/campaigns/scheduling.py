"""When campaigns send: now, or at a clinic-local date and time (RQ `enqueue_at`), with a
periodic check so a lost RQ job (a Redis flush, a crash) can neither lose nor stall a campaign.

Batch jobs alternate between two fixed ids (a running job's own id would absorb the request
for its successor), so there is one chain of batches per campaign.
"""
from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select, update

from oncord import scheduled_jobs
from oncord.automations import clinic_time
from oncord.campaigns import sending
from oncord.extensions import db
from oncord.models import Campaign, CampaignStatus
from oncord.queues import PENDING, enqueue, get_queue, is_abandoned, job_id
from oncord.timestamps import utcnow

BATCH_JOB = "oncord.jobs.send_campaign_batch"
START_JOB = "oncord.jobs.start_scheduled_campaign"
CHECK_JOB = "oncord.jobs.campaigns_check"
CHECK_PREFIX = "campaigns-check-"


class ScheduleRefused(ValueError):
    """Staff words: why this time cannot be used."""


# Sending now and in batches ---------------------------------------------------------------------

def batch_job_ids(campaign_id: int) -> tuple[str, str]:
    return job_id(f"campaign-send-{campaign_id}"), job_id(f"campaign-send-{campaign_id}-next")


def queue_batch(campaign_id: int, *, after: str | None = None, at: datetime | None = None) -> Job:
    """Queue the campaign's next batch (`at`: not before then); `after`: the id of the job asking (its
    successor takes the other id)."""
    first, second = batch_job_ids(campaign_id)
    delay = max(at - utcnow(), timedelta(0)) if at is not None else None
    return enqueue(BATCH_JOB, campaign_id, job_id=second if after == first else first, delay=delay)


def batch_running(campaign_id: int) -> bool:
    """A batch job of this campaign is waiting or running on a live worker."""
    for fixed_id in batch_job_ids(campaign_id):
        try:
            job = Job.fetch(fixed_id, connection=get_queue().connection)
        except NoSuchJobError:
            continue
        status = job.get_status(refresh=False)
        if status in PENDING and not (status == JobStatus.STARTED and is_abandoned(job)):
            return True
    return False


# Scheduling -----------------------------------------------------------------------------------------

def send_at_from_local(day: date | None, at: time | None, *, now: datetime | None = None,
                       channel: str = "email") -> datetime:
    """The UTC instant of a clinic-local date and time, refused when missing, in the past or not a real
    time, or (texts) in quiet hours."""
    if day is None or at is None:
        raise ScheduleRefused("Choose the date and the time to send.")
    zone = clinic_time.clinic_zone()
    wall = datetime.combine(day, at)
    local = wall.replace(tzinfo=zone)
    back = local.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
    if back != wall:  # a time skipped when clocks go forward
        raise ScheduleRefused(f"{at:%H:%M} does not exist on {day:%-d %b %Y} in {zone.key} (the clocks go forward); "
                              "choose another time.")
    when = local.astimezone(timezone.utc)
    if when <= (now or utcnow()):
        raise ScheduleRefused("That time has passed; choose a time in the future.")
    if channel == "sms" and clinic_time.quiet_until(when) is not None:
        start, end = clinic_time.quiet_hours()
        raise ScheduleRefused(f"Text messages are not sent in quiet hours ({clinic_time.quiet_hours_label()}); "
                              f"choose a time from {end:%H:%M} to {start:%H:%M}.")
    return when


def start_job_id(campaign_id: int, when: datetime) -> str:
    return job_id(f"campaign-start-{campaign_id}-{int(when.timestamp())}")


def schedule(campaign: Campaign, when: datetime) -> bool:
    """Draft or scheduled -> scheduled at `when` (UTC; no commit). Queue with `queue_start` after committing."""
    old = campaign.send_at if campaign.status == CampaignStatus.SCHEDULED.value else None
    moved = sending.transition(campaign.id, {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED}, CampaignStatus.SCHEDULED,
                               send_at=when)
    if moved and old is not None and old != when:
        _drop_job(start_job_id(campaign.id, old))
    return moved


def unschedule(campaign: Campaign) -> bool:
    """Scheduled -> draft (no commit); the RQ job is dropped, and would do nothing anyway."""
    old = campaign.send_at
    moved = sending.transition(campaign.id, {CampaignStatus.SCHEDULED}, CampaignStatus.DRAFT, send_at=None)
    if moved and old is not None:
        _drop_job(start_job_id(campaign.id, old))
    return moved


def queue_start(campaign: Campaign) -> Job:
    """The RQ job due at the campaign's send time; the periodic check starts it too should the job be lost."""
    ensure_check_scheduled()
    return get_queue().enqueue_at(campaign.send_at, START_JOB, campaign.id,
                                  job_id=start_job_id(campaign.id, campaign.send_at))


def start_if_due(campaign_id: int, *, now: datetime | None = None) -> bool:
    """Scheduled and due -> sending (commits) and its first batch queued. Safe to run twice: only one starts it."""
    now = now or utcnow()
    campaign = db.session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None or campaign.status != CampaignStatus.SCHEDULED.value or campaign.send_at is None \
            or campaign.send_at > now:
        return False
    moved = db.session.execute(update(Campaign).where(
        Campaign.id == campaign_id, Campaign.status == CampaignStatus.SCHEDULED.value, Campaign.send_at <= now)
        .values(status=CampaignStatus.SENDING.value, started_at=now, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    if moved:
        queue_batch(campaign_id)
    return moved


def _drop_job(fixed_id: str) -> None:
    try:
        Job.fetch(fixed_id, connection=get_queue().connection).delete()
    except NoSuchJobError:
        pass


# The periodic check ---------------------------------------------------------------------------------

def check(now: datetime | None = None) -> dict:
    """Start scheduled campaigns that fell due; queue a batch for sending ones whose chain of jobs broke."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Campaign.id).where(Campaign.status == CampaignStatus.SCHEDULED.value,
                                                            Campaign.send_at <= now)))
    started = [campaign_id for campaign_id in due if start_if_due(campaign_id, now=now)]
    sending_ids = list(db.session.scalars(select(Campaign.id).where(Campaign.status == CampaignStatus.SENDING.value)))
    resumed = [campaign_id for campaign_id in sending_ids
               if campaign_id not in started and not batch_running(campaign_id) and queue_batch(campaign_id)]
    return {"started": started, "resumed": resumed}


def every() -> timedelta:
    return timedelta(seconds=int(current_app.config["CAMPAIGN_CHECK_SECONDS"]))


def ensure_check_scheduled(now: datetime | None = None) -> datetime:
    """Schedule the next check unless it already is (time-slot ids: any number of callers agree)."""
    now = now or utcnow()
    seconds = every().total_seconds()
    slot = math.floor(now.timestamp() / seconds) + 1
    at = datetime.fromtimestamp(slot * seconds, tz=timezone.utc)
    enqueue(CHECK_JOB, job_id=job_id(f"{CHECK_PREFIX}{slot}"), delay=max(at - now, timedelta(0)))
    return at


def check_needed() -> bool:
    return db.session.scalar(select(Campaign.id).where(Campaign.status.in_(
        [CampaignStatus.SCHEDULED.value, CampaignStatus.SENDING.value])).limit(1)) is not None


scheduled_jobs.register(scheduled_jobs.ScheduledJob(
    "Scheduled and running campaigns", CHECK_PREFIX, needed=check_needed, ensure=ensure_check_scheduled, every=every))
