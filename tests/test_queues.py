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
