"""The tick's schedule: one chain of time-slot jobs, put back when lost, only while something is on."""
from oncord import scheduled_jobs
from oncord.automations import schedule
from oncord.models import Automation
from oncord.queues import get_queue, job_id


def _ticks() -> list[str]:
    return [i for i in get_queue().scheduled_job_registry.get_job_ids() if i.startswith(job_id(schedule.ID_PREFIX))]


def test_the_tick_is_needed_only_while_an_automation_is_on_and_stays_one_chain(app, db):
    assert "Marketing automations" not in scheduled_jobs.restore_missing()
    assert _ticks() == []
    db.session.add(Automation(name="Reminder", trigger="upcoming", offset_minutes=60, enabled=True))
    db.session.commit()
    assert "Marketing automations" in scheduled_jobs.restore_missing()
    schedule.ensure_scheduled()  # a second worker, or the tick itself, asking again
    schedule.ensure_scheduled()
    assert len(_ticks()) == 1
    assert scheduled_jobs.restore_missing() == []


def test_the_tick_job_schedules_the_next_minute_then_ticks(app, db, run_jobs):
    from oncord import jobs

    result = jobs.automations_tick()
    assert result == {"started": 0, "advanced": 0, "outcomes": {}}
    assert len(_ticks()) == 1
