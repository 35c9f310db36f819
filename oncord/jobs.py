"""RQ entry points: open an app context, delegate to plain modules, record progress.

Jobs take ids, not objects, and must be safe to run twice or on two workers at once.
"""
from __future__ import annotations

import functools
from datetime import timedelta
from contextlib import nullcontext

from flask import Flask, has_app_context


@functools.cache
def worker_app() -> Flask:
    """The app jobs run in; worker.py builds it before forking."""
    from oncord import create_app

    return create_app()


def app_context():
    if has_app_context():  # tests run jobs inline, inside their own app
        return nullcontext()
    return worker_app().app_context()  # a fresh context and DB session per job


def pull_from_cliniko(connection_id: int, trigger: str = "manual", full: bool = False) -> dict:
    """Pull from Cliniko for one slice of time; a pull unfinished when the slice ends queues
    its next slice. A pull already running elsewhere makes this one a no-op."""
    from flask import current_app
    from rq import get_current_job

    from oncord.models import SyncTrigger
    from oncord.sync import outbox, pull
    from oncord.sync.lock import SyncAlreadyRunning

    job = get_current_job()
    with app_context():
        try:
            run = pull.run(connection_id, SyncTrigger(trigger), full=full, on_progress=_record_progress,
                           budget=current_app.config["SYNC_SLICE_SECONDS"],
                           requested_at=job.created_at if job is not None else None)
        except SyncAlreadyRunning:
            # Edits wait for no one: the running pull pushes due ones between pages; check back soon.
            if SyncTrigger(trigger) is SyncTrigger.AFTER_EDIT and outbox.waiting_count():
                from oncord.sync import schedule
                from oncord.timestamps import utcnow

                schedule.queue_push(connection_id, utcnow() + timedelta(seconds=20))
            return {"skipped": "another sync of this connection is running"}
        if pull.handed_off(run):
            _queue_next_slice(connection_id, trigger, full)
            return {"sync_run": run.id, "status": "continuing", "slices": run.slices}
        return {"sync_run": run.id, "status": run.status}


def _queue_next_slice(connection_id: int, trigger: str, full: bool) -> None:
    """Two job ids take turns (a running job's own id would absorb the request), so there is
    never more than one chain of slices; a tick's pull waiting meanwhile joins it."""
    from rq import get_current_job

    from oncord.queues import enqueue
    from oncord.sync import schedule

    ids = (schedule.pull_job_id(connection_id), f"{schedule.pull_job_id(connection_id)}-next")
    current = get_current_job()
    job_id = ids[1] if current is not None and current.id == ids[0] else ids[0]
    enqueue(pull_from_cliniko, connection_id, trigger, full, job_id=job_id, timeout=schedule.job_timeout())


def sync_tick() -> None:
    """The scheduler's heartbeat: queue a pull when one is due, then schedule the next tick."""
    from oncord.models import SyncTrigger
    from oncord.sync import schedule
    from oncord.sync.connection import get_connection

    with app_context():
        schedule.ensure_scheduled()
        connection = get_connection()
        if connection is not None and (full := schedule.due_pull(connection)) is not None:
            schedule.queue_pull(connection.id, SyncTrigger.SCHEDULED, full=full)


def send_message(message_id: int) -> None:
    """Send a recorded ("queued") message; a row another worker took, or already finished, is left alone."""
    from oncord.messaging import deliver

    with app_context():
        deliver.send_queued(message_id)


def recover_stuck_messages() -> dict:
    """Every minute: sends a dead worker left "sending" become "uncertain"; forgotten queued ones are queued again."""
    from oncord.messaging import recovery

    with app_context():
        recovery.ensure_scheduled()
        uncertain, requeued = recovery.recover()
        return {"uncertain": uncertain, "requeued": requeued}


def automations_tick() -> dict:
    """Every minute: start the automation runs that fell due and advance the waiting ones."""
    from oncord.automations import schedule, tick

    with app_context():
        schedule.ensure_scheduled()  # the next minute first: a crash below must not end the chain
        report = tick.tick()
        return {"started": report.started, "advanced": report.advanced, "outcomes": report.outcomes}


def _record_progress(phase: str | None, done: int, total: int | None) -> None:
    from rq import get_current_job

    from oncord.timestamps import utcnow

    if job := get_current_job():
        job.meta["progress"] = {"phase": phase, "done": done, "total": total}
        job.save_meta()
        job.heartbeat(utcnow(), 0)  # alive: see queues.enqueue's test for dead jobs


def send_campaign_batch(campaign_id: int) -> dict:
    """One batch of a campaign; queues the next while recipients are pending and it is still sending."""
    from rq import get_current_job

    from oncord.campaigns import scheduling, sending

    job = get_current_job()
    with app_context():
        report = sending.send_batch(campaign_id)
        if report.more:
            scheduling.queue_batch(campaign_id, after=job.id if job is not None else None, at=report.resume_at)
        return {"handled": report.handled, "status": report.status, "more": report.more}


def start_scheduled_campaign(campaign_id: int) -> bool:
    """At a campaign's send time; a rescheduled or unscheduled campaign makes this a no-op."""
    from oncord.campaigns import scheduling

    with app_context():
        return scheduling.start_if_due(campaign_id)


def campaigns_check() -> dict:
    """Every minute while campaigns are scheduled or sending: start due ones, mend broken chains."""
    from oncord.campaigns import scheduling

    with app_context():
        if scheduling.check_needed():
            scheduling.ensure_check_scheduled()  # the next one first: a crash below must not end the chain
        return scheduling.check()
