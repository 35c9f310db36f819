"""Two real workers given the same pulls at once: one sync at a time, and the data ends as one sync leaves it."""
import time

from rq import Worker

from oncord import jobs
from oncord.models import Appointment, Contact, SyncRun
from oncord.queues import enqueue, get_queue
from tests.sync.test_pull import live_patient_ids


def test_two_workers_pulling_at_once_never_overlap_or_duplicate(db, sandbox, connected, start_worker):
    sandbox.reset(patients=150, appointments=600, seed=11)
    sandbox.faults.set(latency=0.05)  # long enough for the second worker to arrive mid-sync
    for _ in range(2):
        start_worker(SYNC_INTERVAL_SECONDS=3600)
    deadline = time.monotonic() + 30
    while Worker.count(queue=get_queue()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # both listening before the jobs arrive
    # Distinct job ids on purpose: the queue would otherwise fold them into one job.
    queued = [enqueue(jobs.pull_from_cliniko, connected.id, "manual") for _ in range(4)]

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and any(job.get_status(refresh=True) not in ("finished", "failed")
                                              for job in queued):
        time.sleep(0.2)
    assert [job.get_status() for job in queued] == ["finished"] * 4
    results = [job.return_value() for job in queued]
    # One worker alone runs them one after another and skips none: a skip means the other held the sync.
    assert any("skipped" in result for result in results), results

    db.session.expire_all()
    runs = sorted(db.session.query(SyncRun).all(), key=lambda run: run.started_at)
    assert runs and all(run.status == "succeeded" for run in runs)
    for earlier, later in zip(runs, runs[1:]):
        assert earlier.finished_at <= later.started_at  # one sync at a time
    assert db.session.query(Contact).count() == len(live_patient_ids(sandbox.world))
    assert db.session.query(Contact.cliniko_patient_id).distinct().count() == db.session.query(Contact).count()
    assert db.session.query(Appointment).count() == len(sandbox.world.appointment_ids(include_hidden=True))
