"""When syncs run on their own: an incremental pull every few minutes, a full one daily.

RQ's scheduler runs a small `tick` job; each tick queues the pull when one is due and
schedules the next tick. Tick ids are time slots, so any number of workers (or web
processes calling `ensure_scheduled`) agree on one chain, and a chain broken by a
crash, a Redis flush or a deleted job is mended by the next `ensure_scheduled`: every
worker calls it through `oncord.scheduled_jobs.restore_missing`.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from flask import current_app
from rq.job import Job
from rq.exceptions import NoSuchJobError

from oncord import scheduled_jobs
from oncord.models import ClinikoConnection, SyncTrigger
from oncord.queues import enqueue, get_queue, job_id
from oncord.timestamps import utcnow

FULL_SYNC_EVERY = timedelta(days=1)


def interval() -> timedelta:
    return timedelta(seconds=int(current_app.config["SYNC_INTERVAL_SECONDS"]))


def job_timeout() -> int:
    """RQ's timeout for a pull job: well above the slice a pull works for (SYNC_SLICE_SECONDS)."""
    return int(current_app.config["SYNC_JOB_TIMEOUT_SECONDS"])


def pull_job_id(connection_id: int) -> str:
    return job_id(f"cliniko-pull-{connection_id}")


TICK_PREFIX = "cliniko-tick-"
PUSH_PREFIX = "cliniko-push-"


def tick_job_id(slot: int) -> str:
    return job_id(f"{TICK_PREFIX}{slot}")


def next_slot(now: datetime | None = None) -> tuple[int, datetime]:
    seconds = interval().total_seconds()
    now = now or utcnow()
    slot = math.floor(now.timestamp() / seconds) + 1
    return slot, datetime.fromtimestamp(slot * seconds, tz=timezone.utc)


def ensure_scheduled() -> datetime:
    """Make sure the next tick is scheduled; returns when it runs."""
    from oncord import jobs

    slot, at = next_slot()
    get_queue()  # the queue exists before the scheduler looks at it
    enqueue(jobs.sync_tick, job_id=tick_job_id(slot), delay=max(at - utcnow(), timedelta(0)))
    return at


def queue_pull(connection_id: int, trigger: SyncTrigger, full: bool = False, delay: timedelta | None = None) -> Job:
    """Queue a pull; one already waiting or running absorbs this request."""
    from oncord import jobs

    return enqueue(jobs.pull_from_cliniko, connection_id, trigger.value, full,
                   job_id=pull_job_id(connection_id), delay=delay, timeout=job_timeout())


def push_slot_seconds() -> int:
    """Pushes falling due within one slot share a job: 30 s for the usual 2-minute delay."""
    return max(1, min(30, int(current_app.config["PUSH_DELAY_SECONDS"]) // 4))


def push_job_id(connection_id: int, due_at: datetime) -> str:
    return job_id(f"{PUSH_PREFIX}{connection_id}-{math.ceil(due_at.timestamp() / push_slot_seconds())}")


def queue_push(connection_id: int, due_at: datetime) -> Job:
    """A sync that pushes the batch falling due at `due_at` (rounded up to a 30 s slot).

    Edits of one contact share its first edit's due time, so they share one job and one
    PATCH; a job already waiting for that slot absorbs the request.
    """
    from oncord import jobs

    slot = push_slot_seconds()
    slot_end = datetime.fromtimestamp(math.ceil(due_at.timestamp() / slot) * slot, tz=timezone.utc)
    return enqueue(jobs.pull_from_cliniko, connection_id, SyncTrigger.AFTER_EDIT.value, False,
                   job_id=push_job_id(connection_id, due_at), delay=max(slot_end - utcnow(), timedelta(0)),
                   timeout=job_timeout())


def due_pull(connection: ClinikoConnection, now: datetime | None = None) -> bool | None:
    """None when no pull is due; else whether it should be a full one."""
    if not connection.is_connected or not connection.auto_sync:
        return None
    now = now or utcnow()
    if connection.last_full_sync_at is None or now - connection.last_full_sync_at >= FULL_SYNC_EVERY:
        return True
    return False


def pending_pull(connection_id: int) -> Job | None:
    try:
        job = Job.fetch(pull_job_id(connection_id), connection=get_queue().connection)
    except NoSuchJobError:
        return None
    return job if job.get_status() in {"queued", "scheduled", "started", "deferred"} else None


def _pushes_waiting() -> bool:
    """A batch of edits falls due later, with automatic sync on: its push job must exist.

    A batch already due (its push failed, or Redis was down when it fell due) goes with
    the next tick's sync, as every sync sends the due edits.
    """
    from oncord.sync import push
    from oncord.sync.connection import get_connection

    connection = get_connection()
    if not (connection and connection.is_connected and connection.auto_sync):
        return False
    due = push.next_due_at()
    return due is not None and due > utcnow()


def ensure_push_scheduled() -> None:
    """The push of the next waiting batch, lost with Redis or deleted: schedule it again."""
    from oncord.sync import push
    from oncord.sync.connection import get_connection

    connection = get_connection()
    if connection is not None and (due := push.next_due_at()) is not None:
        queue_push(connection.id, due)


AUTOMATIC_SYNC = "Automatic sync"
scheduled_jobs.register(scheduled_jobs.ScheduledJob(
    AUTOMATIC_SYNC, TICK_PREFIX, needed=lambda: True, ensure=ensure_scheduled, every=interval))
scheduled_jobs.register(scheduled_jobs.ScheduledJob(
    "Edits for Cliniko", PUSH_PREFIX, needed=_pushes_waiting, ensure=ensure_push_scheduled))
