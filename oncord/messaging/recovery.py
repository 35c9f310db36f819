"""Every minute (MESSAGING_RECOVERY_SECONDS): rows a dead worker left "sending" become "uncertain"; rows left "queued" are queued again.

Scheduled like the sync tick (`oncord.sync.schedule`): each run schedules the next, ids are
time slots so any number of workers agree on one chain, and the scheduled-jobs registry
(`oncord.scheduled_jobs`, which every worker checks) mends a chain broken by a crash.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from oncord import scheduled_jobs
from oncord.messaging import deliver, ledger
from oncord.queues import enqueue, get_queue, job_id
from oncord.timestamps import utcnow

SEND_JOB = "oncord.jobs.send_message"
RECOVERY_JOB = "oncord.jobs.recover_stuck_messages"


def stuck_after() -> timedelta:
    """How long a send may take before it counts as stuck: far longer than any provider call."""
    return timedelta(seconds=int(current_app.config["MESSAGING_STUCK_AFTER_SECONDS"]))


def every() -> timedelta:
    return timedelta(seconds=int(current_app.config["MESSAGING_RECOVERY_SECONDS"]))


def send_job_id(message_id: int) -> str:
    return job_id(f"message-send-{message_id}")


def queue_send(message_id: int, delay: timedelta | None = None):
    """Queue the send of a recorded message; a job already waiting for it absorbs this one."""
    return enqueue(SEND_JOB, message_id, job_id=send_job_id(message_id), delay=delay)


def recover(now: datetime | None = None) -> tuple[list[int], list[int]]:
    """Run the recovery once; returns (ids now uncertain, ids queued again: not those staff hold back)."""
    uncertain, waiting = ledger.recover_stuck(stuck_after(), now=now)
    held = deliver.held(waiting)
    waiting = [message_id for message_id in waiting if message_id not in held]
    for message_id in waiting:
        _forget_abandoned_job(send_job_id(message_id))
        queue_send(message_id)
    return uncertain, waiting


def _forget_abandoned_job(fixed_id: str) -> None:
    """A send job "started" long ago whose row is still queued died (or hangs) before the send:
    drop it so a fresh one can be queued. Were it alive after all, the queued -> sending claim
    lets only one of the two send."""
    try:
        job = Job.fetch(fixed_id, connection=get_queue().connection)
    except NoSuchJobError:
        return
    if job.get_status() == JobStatus.STARTED:
        job.delete()


def ensure_scheduled(now: datetime | None = None) -> datetime:
    """Make sure the next recovery run is scheduled; returns when it runs."""
    seconds = every().total_seconds()
    slot = math.floor((now or utcnow()).timestamp() / seconds) + 1
    at = datetime.fromtimestamp(slot * seconds, tz=timezone.utc)
    get_queue()
    enqueue(RECOVERY_JOB, job_id=job_id(f"messages-recovery-{slot}"), delay=max(at - (now or utcnow()), timedelta(0)))
    return at


scheduled_jobs.register(scheduled_jobs.ScheduledJob(
    "Checking unfinished sends", "messages-recovery-", needed=lambda: True, ensure=ensure_scheduled, every=every))
