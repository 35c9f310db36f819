"""The app's RQ queues and the one Redis connection they share.

Connections are built per app from REDIS_URL and kept on the app object, never in
module globals, so tests and several apps in one process stay apart.
"""
from __future__ import annotations

import logging
import re
from datetime import timedelta, timezone

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

QUEUE_NAMES = ("default",)
log = logging.getLogger(__name__)


def redis_connection(app: Flask | None = None) -> Redis:
    app = app or current_app
    conn = app.extensions.get("oncord_redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2)
        app.extensions["oncord_redis"] = conn
    return conn


def queue_name(name: str = "default", app: Flask | None = None) -> str:
    """Queue names carry a prefix so several installs can share one Redis."""
    app = app or current_app
    return f"{app.config['RQ_QUEUE_PREFIX']}:{name}"


def job_id(name: str, app: Flask | None = None) -> str:
    """A fixed job id for this install: RQ keeps job ids in one namespace per Redis, so without the
    prefix two installs sharing a Redis would take each other's jobs for their own (the tick of one
    absorbing the other's, a message id's send job running on the other's database)."""
    app = app or current_app
    return f"{_NOT_IN_JOB_IDS.sub('-', app.config['RQ_QUEUE_PREFIX'])}__{name}"


_NOT_IN_JOB_IDS = re.compile(r"[^A-Za-z0-9_-]")  # RQ allows only letters, digits, "_" and "-" in a job id


def get_queue(name: str = "default", app: Flask | None = None) -> Queue:
    app = app or current_app
    return Queue(queue_name(name, app), connection=redis_connection(app))


def all_queues(app: Flask | None = None) -> list[Queue]:
    return [get_queue(name, app) for name in QUEUE_NAMES]


PENDING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.STARTED}


def enqueue(func, *args, job_id: str | None = None, delay: timedelta | None = None, retry: Retry | None = None,
            timeout: int | None = None, **kwargs) -> Job:
    """Queue `func(*args, **kwargs)` now or after `delay` (`timeout`: RQ's job timeout, seconds).

    With a fixed `job_id`, a job of that id that is still waiting or running absorbs
    the request (the job itself must pick up whatever changed meanwhile); a finished
    or failed one is replaced, and so is a 'started' one whose worker died. Safe when
    several web processes ask at once.
    """
    queue = get_queue()
    options = {"job_id": job_id, "retry": retry, "kwargs": kwargs, "args": args, "unique": job_id is not None}
    if timeout is not None:
        options["job_timeout"] = timeout
    for _ in range(3):
        try:
            if delay is not None:
                return queue.enqueue_in(delay, func, **options)
            return queue.enqueue(func, **options)
        except DuplicateJobError:
            try:
                existing = Job.fetch(job_id, connection=queue.connection)
            except NoSuchJobError:
                continue  # expired between the two calls: try again
            status = existing.get_status(refresh=False)
            if status == JobStatus.STARTED and is_abandoned(existing):
                log.warning("job %s: its worker stopped (no sign of life since %s); queueing it again",
                            job_id, existing.last_heartbeat)
            elif status in PENDING:
                return existing
            existing.delete()
    raise DuplicateJobError(job_id)


def is_abandoned(job: Job) -> bool:
    """A started job whose worker stopped beating (killed, or its machine died). RQ itself
    would notice only when the job's timeout runs out, many minutes later; meanwhile it
    would absorb every request for its id."""
    from oncord.timestamps import utcnow

    beat = job.last_heartbeat or job.started_at
    if beat is None:
        return False
    if beat.tzinfo is None:  # RQ writes UTC
        beat = beat.replace(tzinfo=timezone.utc)
    return utcnow() - beat > timedelta(seconds=int(current_app.config["JOB_DEAD_AFTER_SECONDS"]))
