"""The automatic-sync chain on RQ's scheduler: ticks, due pulls, one chain however many callers."""
from datetime import timedelta

from oncord import jobs
from oncord.models import SyncRun, SyncTrigger
from oncord.queues import get_queue
from oncord.sync import schedule
from oncord.sync.connection import set_auto_sync
from oncord.timestamps import utcnow


def _scheduled_ids():
    return sorted(get_queue().scheduled_job_registry.get_job_ids())


def test_ensure_scheduled_is_one_tick_however_often_it_is_called(app, db):
    at = schedule.ensure_scheduled()
    schedule.ensure_scheduled()
    slot, expected = schedule.next_slot()
    assert _scheduled_ids() == [schedule.tick_job_id(slot)]
    assert at == expected and timedelta(0) < at - utcnow() <= timedelta(seconds=app.config["SYNC_INTERVAL_SECONDS"])


def test_a_tick_queues_a_pull_and_the_next_tick(app, db, connected, run_jobs):
    jobs.sync_tick()
    pull = schedule.pending_pull(connected.id)
    assert pull is not None and pull.args == (connected.id, "scheduled", True)  # never fully synced: full
    assert len(_scheduled_ids()) == 1  # the next tick
    run_jobs()
    assert db.session.query(SyncRun).one().trigger == "scheduled"
    jobs.sync_tick()
    assert schedule.pending_pull(connected.id).args == (connected.id, "scheduled", False)  # then incremental


def test_no_pull_while_automatic_sync_is_off(app, db, connected):
    set_auto_sync(connected, False)
    db.session.commit()
    jobs.sync_tick()
    assert schedule.pending_pull(connected.id) is None
    assert len(_scheduled_ids()) == 1  # the chain goes on, ready for when it is switched back on


def test_a_daily_full_pull(app, db, connected):
    connected.last_full_sync_at = utcnow() - timedelta(hours=25)
    assert schedule.due_pull(connected) is True
    connected.last_full_sync_at = utcnow() - timedelta(hours=2)
    assert schedule.due_pull(connected) is False


def test_a_second_request_joins_the_waiting_pull(app, db, connected):
    first = schedule.queue_pull(connected.id, SyncTrigger.MANUAL)
    second = schedule.queue_pull(connected.id, SyncTrigger.SCHEDULED)
    assert first.id == second.id and get_queue().count == 1
