"""Long pulls through real workers: past the job timeout, a worker killed mid-pull, edits meanwhile."""
import os
import signal
import time

from rq.job import JobStatus

from oncord.models import Appointment, Contact, OutboxEdit, SyncRun, SyncTrigger
from oncord.sync import pull, schedule
from tests import services
from tests.sync.test_pull import live_patient_ids, snapshot
from tests.sync.test_push import PATCH, edit
from tests.sync.test_resumable_pull import start_over


def wait_for(condition, db, seconds: float = 240, message: str = ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        db.session.rollback()
        if value := condition():
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting: {message}")


def full_run(db) -> SyncRun | None:
    return db.session.query(SyncRun).filter_by(full=True).order_by(SyncRun.id.desc()).first()


def appointments_half_in(db):
    run = full_run(db)
    return run if run and run.phase == "appointments" and run.done >= 1200 else None


def kill(proc) -> None:
    """The worker, its scheduler and its work horse (RQ puts the horse in a process group of
    its own), all at once: as when the machine dies."""
    services.kill_worker_tree(proc)


def test_a_first_pull_longer_than_the_job_timeout_completes_through_the_scheduler(db, sandbox, connected,
                                                                                   start_worker):
    sandbox.reset(patients=400, appointments=3000, seed=12)
    sandbox.faults.set(latency=0.12)  # about 40 pages: several times the job timeout below
    start_worker(SYNC_INTERVAL_SECONDS=2, SYNC_SLICE_SECONDS=1, SYNC_JOB_TIMEOUT_SECONDS=4)

    # Nothing queued by hand: the worker's scheduled tick finds a first full pull due.
    wait_for(lambda: db.session.merge(connected).last_full_sync_at, db, message="the first full pull")

    runs = db.session.query(SyncRun).filter_by(full=True).all()
    assert len(runs) == 1, [(r.id, r.status, r.error, r.slices, r.trigger, r.done, r.phase) for r in runs]
    assert runs[0].status == "succeeded" and runs[0].trigger == "scheduled"
    run = runs[0]
    assert (run.finished_at - run.started_at).total_seconds() > 4  # longer than any one job may run
    assert run.slices >= 3
    assert db.session.query(Contact).count() == len(live_patient_ids(sandbox.world))
    assert db.session.query(Appointment).count() == len(sandbox.world.appointment_ids(include_hidden=True))
    failed = schedule.get_queue().failed_job_registry
    assert failed.count == 0, [(j.func_name, (j.latest_result().exc_string if j.latest_result() else "")[-600:])
                               for j in (schedule.get_queue().fetch_job(i) for i in failed.get_job_ids()) if j]  # no job was stopped by its timeout


def test_a_worker_killed_mid_pull_is_replaced_and_the_pull_resumes_from_its_checkpoint(db, sandbox, connected,
                                                                                       start_worker):
    sandbox.reset(patients=400, appointments=3000, seed=13)
    sandbox.faults.set(latency=0.1)
    first = start_worker(SYNC_INTERVAL_SECONDS=3600, SYNC_SLICE_SECONDS=600, JOB_DEAD_AFTER_SECONDS=5,
                         SYNC_LOCK_TTL_SECONDS=4)
    schedule.queue_pull(connected.id, SyncTrigger.MANUAL)
    wait_for(lambda: appointments_half_in(db), db, message="a pull half-way through its appointments")
    kill(first)
    dead = full_run(db)

    # A new worker; its scheduled ticks find the pull job dead and queue a new one.
    second = start_worker(SYNC_INTERVAL_SECONDS=2, JOB_DEAD_AFTER_SECONDS=5, SYNC_LOCK_TTL_SECONDS=4)
    wait_for(lambda: db.session.merge(connected).last_full_sync_at, db, message="the resumed pull")
    os.killpg(second.pid, signal.SIGTERM)
    second.wait(timeout=30)

    db.session.refresh(dead)
    successor = db.session.query(SyncRun).filter_by(full=True, status="succeeded").one()
    assert dead.status == "failed" and dead.error == pull.WORKER_STOPPED
    resumed_requests = successor.requests - dead.requests
    killed_state = snapshot(db)

    # The same clinic pulled without interruption, for comparison.
    start_over(db, connected)
    sandbox.faults.clear()
    uninterrupted = pull.run(connected.id)
    assert snapshot(db) == killed_state
    assert resumed_requests < uninterrupted.requests * 2 / 3  # it went on from the checkpoint, not from zero


def test_after_a_worker_dies_a_click_within_minutes_queues_a_new_pull_and_the_page_says_what_happened(
        app, db, sandbox, connected, start_worker, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_DEAD_AFTER_SECONDS", 5)
    sandbox.reset(patients=400, appointments=3000, seed=14)
    sandbox.faults.set(latency=0.1)
    first = start_worker(SYNC_INTERVAL_SECONDS=3600, SYNC_SLICE_SECONDS=600, SYNC_LOCK_TTL_SECONDS=4)
    schedule.queue_pull(connected.id, SyncTrigger.MANUAL)
    wait_for(lambda: appointments_half_in(db), db, message="a pull half-way through its appointments")
    kill(first)
    killed_at = time.monotonic()

    assert schedule.queue_pull(connected.id, SyncTrigger.MANUAL).get_status() == JobStatus.STARTED  # still trusted
    time.sleep(6)
    replacement = schedule.queue_pull(connected.id, SyncTrigger.MANUAL)  # Synchronise
    assert replacement.get_status() == JobStatus.QUEUED
    assert time.monotonic() - killed_at < 120

    start_worker(SYNC_INTERVAL_SECONDS=3600, SYNC_LOCK_TTL_SECONDS=4)
    wait_for(lambda: db.session.merge(connected).last_full_sync_at, db, message="the new pull")
    runs = db.session.query(SyncRun).order_by(SyncRun.id).all()
    assert [r.status for r in runs] == ["failed", "succeeded"]
    assert runs[0].error == pull.WORKER_STOPPED  # true: the second run went on from its checkpoint
    assert runs[1].requests - runs[0].requests < 25  # about 30 pages of appointments remained at most
    assert db.session.query(Appointment).count() == len(sandbox.world.appointment_ids(include_hidden=True))


def test_an_edit_made_during_a_long_first_pull_reaches_cliniko_before_the_pull_ends(app, db, sandbox, connected,
                                                                                     start_worker, monkeypatch):
    monkeypatch.setitem(app.config, "PUSH_DELAY_SECONDS", 2)
    sandbox.reset(patients=300, appointments=6000, seed=15)
    sandbox.faults.set(latency=0.1)
    start_worker(SYNC_INTERVAL_SECONDS=3600, SYNC_SLICE_SECONDS=3, PUSH_DELAY_SECONDS=2)
    schedule.queue_pull(connected.id, SyncTrigger.MANUAL)
    wait_for(lambda: (run := full_run(db)) and run.phase == "appointments", db, message="patients pulled")
    contact = db.session.query(Contact).order_by(Contact.id).first()
    edit(db, contact, email="edited.mid.pull@example.com")

    def pull_when_the_edit_is_in_cliniko():
        if sandbox.world.patient(contact.cliniko_patient_id)["email"] == "edited.mid.pull@example.com":
            run = full_run(db)
            return run.status, run.phase, run.done, run.total

    status, phase, done, total = wait_for(pull_when_the_edit_is_in_cliniko, db, seconds=90, message="the edit")
    # Not held back until the pull had finished: appointments were still coming in.
    assert (status, phase) == ("running", "appointments") and done < total
    assert sandbox.requests.count(PATCH) == 1
    wait_for(lambda: db.session.merge(connected).last_full_sync_at, db, message="the first full pull")
    assert db.session.query(OutboxEdit).count() == 0
    assert db.session.get(Contact, contact.id).email == "edited.mid.pull@example.com"
