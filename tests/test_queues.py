"""Jobs go through the app's queue and a real worker runs them, scheduled ones included."""
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from oncord.queues import enqueue, get_queue

ROOT = Path(__file__).resolve().parent.parent


def test_worker_runs_queued_and_scheduled_jobs(app, db, redis_url, database):
    now = enqueue(len, "abc")
    later = enqueue(len, "abcd", delay=timedelta(seconds=1))
    assert get_queue().scheduled_job_registry.get_job_ids() == [later.id]
    time.sleep(1.2)
    env = {**os.environ, "REDIS_URL": redis_url, "ONCORD_QUEUE_PREFIX": "oncord-test", "DATABASE_URL": database[0]}
    subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, check=True, timeout=60, capture_output=True)
    now.refresh()
    later.refresh()
    # the first burst may only move the due job onto the queue; a second runs it
    if later.get_status() != "finished":
        subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, check=True, timeout=60, capture_output=True)
        later.refresh()
    assert now.return_value() == 3
    assert later.return_value() == 4


def test_fixed_job_ids_make_enqueueing_idempotent(app, db):
    first = enqueue(len, "x", job_id="sync-account-1")
    second = enqueue(len, "x", job_id="sync-account-1")
    assert first.id == second.id == "sync-account-1"
    assert get_queue().count == 1


def test_a_finished_job_with_the_same_id_is_replaced(app, db):
    first = enqueue(len, "x", job_id="push-1")
    first.set_status("finished")
    second = enqueue(len, "yy", job_id="push-1")
    assert second.get_status() == "queued" and second.args == ("yy",)


def test_two_installs_sharing_one_redis_keep_their_fixed_jobs_apart(app, db, monkeypatch):
    """Installs share a Redis by their prefix (ONCORD_QUEUE_PREFIX). RQ keeps job ids in one
    namespace, so the same fixed job of another install (message 1's send, this minute's sync
    tick) must neither absorb ours nor run in its place on the other install's database."""
    from oncord.messaging import recovery
    from oncord.sync import schedule

    ours = [recovery.queue_send(1), get_queue().fetch_job(schedule.tick_job_id(schedule.ensure_scheduled() and
                                                                               schedule.next_slot()[0]))]
    monkeypatch.setitem(app.config, "RQ_QUEUE_PREFIX", "oncord-test-other")
    theirs = [recovery.queue_send(1), get_queue().fetch_job(schedule.tick_job_id(schedule.ensure_scheduled() and
                                                                                 schedule.next_slot()[0]))]
    assert all(job is not None for job in ours + theirs)
    assert {job.id for job in ours}.isdisjoint(job.id for job in theirs)
    assert [job.origin for job in theirs] == ["oncord-test-other:default"] * 2
    assert get_queue().count == 1  # the other install's send waits in its own queue
    monkeypatch.undo()
    assert get_queue().count == 1 and get_queue().job_ids == [ours[0].id]
