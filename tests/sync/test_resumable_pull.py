"""A pull in bounded slices: each slice carries on from the checkpoint the last one committed."""
from datetime import timedelta

from rq.job import Job, JobStatus

from oncord import jobs
from oncord.models import Appointment, Contact, OutboxEdit, SyncRun
from oncord.queues import enqueue, get_queue
from oncord.sync import pull
from oncord.timestamps import utcnow
from tests.sync.test_pull import live_patient_ids, snapshot
from tests.sync.test_push import PATCH, edit


def pull_in_slices(connection_id: int, budget: float = 0, progress_seen: list | None = None) -> list[tuple]:
    """Run slices inline (each stops after one page when budget is 0) until the run ends."""
    slices, seen = [], progress_seen if progress_seen is not None else []
    while True:
        run = pull.run(connection_id, budget=budget, on_progress=lambda *progress: seen.append(progress))
        slices.append((run.id, run.phase, run.done, run.status))
        if not pull.handed_off(run):
            return slices
        assert len(slices) < 500


def start_over(db, connected):
    from oncord.models import ActivityEvent, AppointmentType, Practitioner

    for model in (ActivityEvent, Appointment, Contact, AppointmentType, Practitioner, SyncRun):
        db.session.query(model).delete()
    connected = db.session.merge(connected)
    connected.patients_cursor = connected.appointments_cursor = connected.last_full_sync_at = None
    db.session.commit()


def test_a_first_pull_in_one_page_slices_is_one_run_and_ends_as_an_uninterrupted_one(db, sandbox, connected):
    sandbox.reset(patients=260, appointments=520, seed=21)
    pull.run(connected.id)
    expected = snapshot(db)
    start_over(db, connected)
    sandbox.requests.reset()

    progress = []
    slices = pull_in_slices(connected.id, progress_seen=progress)

    assert len(slices) >= 9  # 3 pages of patients, 6 of appointments
    assert len({run_id for run_id, *_ in slices}) == 1  # one run on the settings page throughout
    assert slices[-1][3] == "succeeded"
    # What the settings page shows, at every commit: within a phase the bar never goes back.
    for phase in ("patients", "appointments"):
        bar = [done / total for name, done, total in progress if name == phase and total]
        assert len(bar) >= 3 and bar == sorted(bar) and bar[-1] == 1, (phase, bar)
    assert snapshot(db) == expected
    run = db.session.get(SyncRun, slices[0][0])
    assert run.slices == len(slices) and run.full
    assert run.requests == sandbox.requests.count()  # every slice's requests, added up
    assert db.session.merge(connected).last_full_sync_at is not None


def test_a_patient_changed_mid_pull_leaves_no_other_patient_out(db, sandbox, connected, monkeypatch):
    # Offset paging shifts every later row back by one when an earlier row changes and
    # moves to the end: the row at the page boundary was never read.
    sandbox.reset(patients=250, appointments=0, seed=4)
    first_read = []
    apply = pull.apply_patients

    def apply_then_change_one(page, **kwargs):
        result = apply(page, **kwargs)
        if not first_read:
            first_read.append(page[0].id)
            sandbox.world.update_patient(page[0].id, first_name="Changed")
        return result

    monkeypatch.setattr(pull, "apply_patients", apply_then_change_one)
    pull.run(connected.id)
    synced = {c.cliniko_patient_id for c in db.session.query(Contact)}
    assert synced == {int(pid) for pid in live_patient_ids(sandbox.world)}
    assert db.session.query(Contact).filter_by(cliniko_patient_id=first_read[0]).one().first_name == "Changed"


def test_rows_sharing_one_updated_at_across_pages_and_slices_are_all_pulled(db, sandbox, connected):
    sandbox.reset(patients=330, appointments=0, seed=6)
    ids = sandbox.world.patient_ids(include_archived=True)
    for patient_id in ids[:240]:  # an import: 240 rows stamped the same second
        sandbox.world.store.update("patients", patient_id, {"updated_at": "2026-03-01T00:00:00Z"})
    slices = pull_in_slices(connected.id)
    assert slices[-1][3] == "succeeded"
    synced = sorted(c.cliniko_patient_id for c in db.session.query(Contact))
    assert synced == sorted(int(pid) for pid in live_patient_ids(sandbox.world))


def test_a_run_whose_worker_died_is_carried_on_by_the_next_and_says_so(db, sandbox, connected):
    sandbox.reset(patients=250, appointments=500, seed=8)
    pull.run(connected.id, budget=0)
    pull.run(connected.id, budget=0)
    dead = db.session.query(SyncRun).one()
    # As a SIGKILL leaves it: mid-slice, not handed over.
    dead.checkpoint = {**dead.checkpoint, "handoff": False}
    db.session.commit()
    done_before, requests_before = dead.done, sandbox.requests.count()

    successor = pull.run(connected.id)

    db.session.refresh(dead)
    assert dead.status == "failed"
    assert dead.error == pull.WORKER_STOPPED and "carried on from where it had got to" in dead.error
    assert successor.id != dead.id and successor.status == "succeeded" and successor.full
    assert db.session.query(Contact).count() == len(live_patient_ids(sandbox.world))
    assert db.session.query(Appointment).count() == len(sandbox.world.appointment_ids(include_hidden=True))
    # It did not start from zero: the two pages already committed were not asked for again.
    start_over_cost = 3 + 3 + 5 + 2  # reference lists + patient pages + appointment pages + deleted/first pages
    assert sandbox.requests.count() - requests_before < start_over_cost
    assert done_before > 0


def test_an_edit_during_an_unfinished_first_pull_is_pushed_without_waiting_for_it(db, app, sandbox, connected,
                                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "PUSH_DELAY_SECONDS", 0)
    sandbox.reset(patients=250, appointments=300, seed=3)
    pull.run(connected.id, budget=0)  # one page of patients in; the first full pull is unfinished
    contact = db.session.query(Contact).first()
    edit(db, contact, email="during.the.pull@example.com")
    sandbox.world.update_patient(contact.cliniko_patient_id, city="Newcastle")  # changed in Cliniko meanwhile

    run = pull.run(connected.id, pull.SyncTrigger.AFTER_EDIT)

    patient = sandbox.world.patient(contact.cliniko_patient_id)
    assert patient["email"] == "during.the.pull@example.com" and patient["city"] == "Newcastle"
    assert sandbox.requests.count(PATCH) == 1
    assert db.session.query(OutboxEdit).count() == 0
    db.session.refresh(contact)
    assert contact.city == "Newcastle"  # read before the PATCH: Cliniko's own change is kept here too
    assert pull.handed_off(run)  # the pull itself did not run: it goes on in its own slices
    assert db.session.query(Contact).count() < len(live_patient_ids(sandbox.world))


def test_edits_falling_due_mid_slice_are_pushed_between_pages(db, app, sandbox, connected, monkeypatch):
    monkeypatch.setitem(app.config, "PUSH_DELAY_SECONDS", 0)
    sandbox.reset(patients=250, appointments=900, seed=3)
    pull.run(connected.id, budget=0)
    contact = db.session.query(Contact).first()
    edit(db, contact, first_name="Mid-Pull")
    patched_at = []
    apply = pull.apply_appointments

    def watch(page, **kwargs):
        if sandbox.requests.count(PATCH) and not patched_at:
            patched_at.append(db.session.query(Appointment).count())
        return apply(page, **kwargs)

    monkeypatch.setattr(pull, "apply_appointments", watch)
    sandbox.faults.set(latency=0.2)  # a slow Cliniko: the pull outlasts the 1 s between checks for due edits
    pull.run(connected.id)  # no budget: one long slice
    assert sandbox.world.patient(contact.cliniko_patient_id)["first_name"] == "Mid-Pull"
    assert patched_at and patched_at[0] < 900  # sent while appointments were still coming in


def test_a_started_job_whose_worker_stopped_beating_no_longer_absorbs_requests(db, app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_DEAD_AFTER_SECONDS", 60)
    job = enqueue(jobs.sync_tick, job_id="cliniko-pull-1")
    job.set_status(JobStatus.STARTED)
    job.heartbeat(utcnow() - timedelta(seconds=30), 0)
    assert enqueue(jobs.sync_tick, job_id="cliniko-pull-1").get_status() == JobStatus.STARTED  # alive: absorbed

    job.heartbeat(utcnow() - timedelta(seconds=61), 0)
    replacement = enqueue(jobs.sync_tick, job_id="cliniko-pull-1")
    assert replacement.get_status() == JobStatus.QUEUED
    assert Job.fetch("cliniko-pull-1", connection=get_queue().connection).get_status() == JobStatus.QUEUED


def test_a_full_pull_asked_for_before_another_full_pull_finished_is_not_run_again(db, sandbox, connected):
    # A tick queued while the slices ran finds the full pull due; by the time it runs, it is done.
    sandbox.reset(patients=30, appointments=30, seed=2)
    asked_at = utcnow()
    pull.run(connected.id, full=True)
    again = pull.run(connected.id, pull.SyncTrigger.SCHEDULED, full=True, requested_at=asked_at)
    assert not again.full and again.requests <= 12
    assert pull.run(connected.id, full=True, requested_at=utcnow()).full  # asked for afterwards: it runs


def test_a_sync_lock_lost_to_an_emptied_redis_is_taken_back_and_the_pull_goes_on(db, sandbox, connected,
                                                                                  monkeypatch):
    from oncord.queues import redis_connection
    from oncord.sync.lock import lock_name

    sandbox.reset(patients=250, appointments=0, seed=5)
    apply, pages_seen = pull.apply_patients, []

    def apply_then_empty_redis(page, **kwargs):
        pages_seen.append(len(page))
        if len(pages_seen) == 1:
            redis_connection().delete(lock_name(connected.id))  # as a Redis restart or flush does
        return apply(page, **kwargs)

    monkeypatch.setattr(pull, "apply_patients", apply_then_empty_redis)
    run = pull.run(connected.id)
    assert run.status == "succeeded"
    assert db.session.query(Contact).count() == len(live_patient_ids(sandbox.world))


def test_a_sync_whose_lock_another_worker_took_stops_and_leaves_the_run_to_it(db, sandbox, connected, monkeypatch):
    import pytest
    from redis.lock import Lock

    from oncord.queues import redis_connection
    from oncord.sync.lock import SyncAlreadyRunning, lock_name

    sandbox.reset(patients=250, appointments=0, seed=5)
    apply, pages_seen = pull.apply_patients, []

    def apply_then_lose_the_lock(page, **kwargs):
        pages_seen.append(len(page))
        if len(pages_seen) == 1:
            redis_connection().delete(lock_name(connected.id))
            Lock(redis_connection(), lock_name(connected.id), timeout=30).acquire(blocking=False)
        return apply(page, **kwargs)

    monkeypatch.setattr(pull, "apply_patients", apply_then_lose_the_lock)
    with pytest.raises(SyncAlreadyRunning):
        pull.run(connected.id)
    run = db.session.query(SyncRun).one()
    assert run.status == "running" and run.error is None  # not marked failed under the other worker's feet
    assert len(pages_seen) == 1


def test_a_whole_page_of_unreadable_rows_is_stepped_over_not_the_end_of_the_list(db, sandbox, connected):
    sandbox.reset(patients=180, appointments=0, seed=9)
    world = sandbox.world
    first = sorted(live_patient_ids(world),  # the listed ones: legacy-deleted patients are never read
                   key=lambda pid: (world.patient(pid)["updated_at"], int(pid)))[:100]
    for patient_id in first:  # unreadable, so they give no position to read on from
        world.store.update("patients", patient_id, {"date_of_birth": "31/02/1990"})
    run = pull.run(connected.id)
    readable = set(live_patient_ids(world)) - set(first)
    assert {str(c.cliniko_patient_id) for c in db.session.query(Contact)} == readable
    assert run.counts["patients"]["skipped"] >= 100


def test_a_table_held_by_another_analyze_does_not_stall_the_pull(db, sandbox, connected, monkeypatch):
    import time

    import pytest
    import sqlalchemy as sa

    if db.engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are refreshed on PostgreSQL only")
    sandbox.reset(patients=250, appointments=0, seed=1)
    monkeypatch.setattr(pull, "STATISTICS_EVERY", 2)  # refresh on every other page
    schema = db.session.execute(sa.text("SELECT current_schema()")).scalar()
    with db.engine.connect() as other:  # as a database-wide ANALYZE stuck behind someone else's lock
        other.execute(sa.text(f'LOCK TABLE "{schema}"."contacts" IN SHARE UPDATE EXCLUSIVE MODE'))
        started = time.monotonic()
        run = pull.run(connected.id)
        assert time.monotonic() - started < 15
        other.rollback()
    assert run.status == "succeeded"
    assert db.session.query(Contact).count() == len(live_patient_ids(sandbox.world))
