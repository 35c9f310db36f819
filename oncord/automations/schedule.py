"""The automations tick, every minute, on RQ's scheduler: time-slot job ids, so any number of
workers agree on one chain; the scheduled-jobs registry mends a chain broken by a crash."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from oncord import scheduled_jobs
from oncord.queues import enqueue, job_id
from oncord.timestamps import utcnow

TICK_JOB = "oncord.jobs.automations_tick"
ID_PREFIX = "automations-tick-"
EVERY = timedelta(minutes=1)


def ensure_scheduled(now: datetime | None = None) -> datetime:
    """Schedule the tick of the next minute unless it already is; returns when it runs."""
    now = now or utcnow()
    seconds = EVERY.total_seconds()
    slot = math.floor(now.timestamp() / seconds) + 1
    at = datetime.fromtimestamp(slot * seconds, tz=timezone.utc)
    enqueue(TICK_JOB, job_id=job_id(f"{ID_PREFIX}{slot}"), delay=max(at - now, timedelta(0)))
    return at


def _needed() -> bool:
    from sqlalchemy import select

    from oncord.extensions import db
    from oncord.models import Automation

    return db.session.scalar(select(Automation.id).where(Automation.enabled.is_(True)).limit(1)) is not None


scheduled_jobs.register(scheduled_jobs.ScheduledJob(
    "Marketing automations", ID_PREFIX, needed=_needed, ensure=ensure_scheduled))
