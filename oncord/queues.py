"""The app's RQ queues and the one Redis connection they share.

Connections are built per app from REDIS_URL and kept on the app object, never in
module globals, so tests and several apps in one process stay apart.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

QUEUE_NAMES = ("default",)


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


def get_queue(name: str = "default", app: Flask | None = None) -> Queue:
    app = app or current_app
    return Queue(queue_name(name, app), connection=redis_connection(app))


def all_queues(app: Flask | None = None) -> list[Queue]:
    return [get_queue(name, app) for name in QUEUE_NAMES]


PENDING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.STARTED}


def enqueue(func, *args, job_id: str | None = None, delay: timedelta | None = None, retry: Retry | None = None, **kwargs) -> Job:
    """Queue `func(*args, **kwargs)` now or after `delay`.

    With a fixed `job_id`, a job of that id that is still waiting or running absorbs
    the request (the job itself must pick up whatever changed meanwhile); a finished
    or failed one is replaced. Safe when several web processes ask at once.
    """
    queue = get_queue()
    options = {"job_id": job_id, "retry": retry, "kwargs": kwargs, "args": args, "unique": job_id is not None}
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
            if existing.get_status(refresh=False) in PENDING:
                return existing
            existing.delete()
    raise DuplicateJobError(job_id)
