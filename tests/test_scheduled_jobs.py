"""Scheduled jobs lost from Redis come back through the workers, and Settings says when they are missing."""
import os
import signal
import time

import pytest

from rq.job import Job

from oncord import scheduled_jobs
from oncord.models import Role
from oncord.queues import get_queue, job_id, redis_connection
from oncord.sync import schedule
from oncord.timestamps import utcnow

DEADLINE = 60  # seconds: workers start slowly on a loaded machine


@pytest.fixture(autouse=True)
def hourly_sync(app, monkeypatch):
    """One tick an hour, so no tick falls due (and is replaced) during a test."""
    monkeypatch.setitem(app.config, "SYNC_INTERVAL_SECONDS", 3600)


def _wait_for(condition, what: str, deadline: float = DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {deadline} s")


def _ticks() -> list[str]:
    return [i for i in get_queue().scheduled_job_registry.get_job_ids() if i.startswith(job_id(schedule.TICK_PREFIX))]


def _delete_ticks() -> None:
    for tick in _ticks():
        Job.fetch(tick, connection=redis_connection()).delete()  # what "delete" in /jobs/ does
    assert _ticks() == []


def test_a_worker_puts_the_schedule_back_at_start_and_again_while_it_runs(app, db, start_worker):
    assert _ticks() == []  # a fresh Redis, as after a flush or a restore
    start_worker(SCHEDULE_CHECK_SECONDS=1, SYNC_INTERVAL_SECONDS=3600)
    first = _wait_for(_ticks, "the tick scheduled at start-up")
    assert first == [schedule.tick_job_id(schedule.next_slot()[0])]

    _delete_ticks()
    assert _wait_for(_ticks, "the deleted tick put back") == first  # the same time slot: one chain

    redis_connection().flushdb()  # Redis restarted empty
    assert _wait_for(_ticks, "the tick put back after a flush") == first
    assert _wait_for(scheduled_jobs.running_workers, "the worker listed again after the flush") == 1


def test_many_workers_keep_one_chain(app, db, start_worker):
    for _ in range(3):
        start_worker(SCHEDULE_CHECK_SECONDS=1, SYNC_INTERVAL_SECONDS=3600)
    _wait_for(lambda: scheduled_jobs.running_workers() == 3, "three workers up")
    for _ in range(3):
        _delete_ticks()
        _wait_for(_ticks, "the tick put back")
        time.sleep(2.5)  # every worker has checked again by now
        assert len(_ticks()) == 1


def test_settings_warn_when_no_worker_runs_or_the_schedule_is_missing(app, db, connected, client, login_as,
                                                                      start_worker):
    login_as(Role.ADMIN)

    def page() -> str:
        return client.get("/settings/integrations/").get_data(as_text=True)

    html = page()
    assert "No background worker is running" in html
    assert "Not scheduled" in html  # the next sync is read from the schedule, not computed

    start_worker(SCHEDULE_CHECK_SECONDS=3600, SYNC_INTERVAL_SECONDS=3600)  # checks at start only
    tick = Job.fetch(_wait_for(_ticks, "the tick scheduled at start-up")[0], connection=redis_connection())
    _wait_for(scheduled_jobs.running_workers, "the worker listed")
    _wait_for(lambda: not any(run.missing for run in scheduled_jobs.next_runs()), "every scheduled job restored")
    at = get_queue().scheduled_job_registry.get_scheduled_time(tick)
    html = page()
    assert "No background worker" not in html and "Not scheduled" not in html
    local = app.jinja_env.filters["local_time"](at)
    assert f"<dt>Next automatic sync</dt><dd>{local}</dd>" in html
    assert f"<li>Automatic sync: {local}</li>" in html
    assert "<li>Edits for Cliniko: nothing to do</li>" in html

    _delete_ticks()
    html = page()
    assert "Not scheduled: Automatic sync" in html
    assert "<li>Automatic sync: <span class=\"text-red\">missing</span></li>" in html


def test_a_worker_checking_every_second_stops_promptly_when_asked(app, db, start_worker):
    """SIGTERM raises inside whatever the worker runs: a schedule check must not swallow it."""
    procs = [start_worker(SCHEDULE_CHECK_SECONDS=1, SYNC_INTERVAL_SECONDS=3600) for _ in range(3)]
    _wait_for(lambda: scheduled_jobs.running_workers() == 3, "three workers up")
    time.sleep(1.5)  # each is now between checks, or in one
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        assert proc.wait(timeout=30) == 0


def test_cliniko_status_on_the_command_line_warns_too(app, db, connected):
    text = app.test_cli_runner().invoke(args=["cliniko", "status"]).output
    assert "Next automatic sync:  -" in text
    assert "Warning: No background worker is running" in text


def test_settings_show_when_waiting_edits_go(app, db, connected, client, login_as):
    from datetime import timedelta

    from oncord.timestamps import utcnow

    login_as(Role.ADMIN)
    job = schedule.queue_push(connected.id, utcnow() + timedelta(minutes=2))
    at = get_queue().scheduled_job_registry.get_scheduled_time(job)
    local = app.jinja_env.filters["local_time"](at)
    assert f"<li>Edits for Cliniko: {local}</li>" in client.get("/settings/integrations/").get_data(as_text=True)


def test_a_tick_left_from_a_longer_interval_is_put_right_not_waited_for(app, db):
    """A worker restarted with a shorter SYNC_INTERVAL_SECONDS must not wait out the old hour-long slot."""
    old = app.config["SYNC_INTERVAL_SECONDS"]
    try:
        app.config["SYNC_INTERVAL_SECONDS"] = 3600
        far = schedule.ensure_scheduled()
        app.config["SYNC_INTERVAL_SECONDS"] = 2
        assert scheduled_jobs.next_run_at(schedule.TICK_PREFIX) == far
        assert "Automatic sync" in scheduled_jobs.restore_missing()
        assert (scheduled_jobs.next_run_at(schedule.TICK_PREFIX) - utcnow()).total_seconds() <= 2
        assert "Automatic sync" not in scheduled_jobs.restore_missing()  # once put right, left alone
    finally:
        app.config["SYNC_INTERVAL_SECONDS"] = old
