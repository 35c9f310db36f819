"""A workflow whose Wait spans a worker restart, with real workers on real Redis: SMS, wait a
minute, SMS. The first worker sends the first SMS and is killed while the run waits; a new
worker sends the second once the minute has passed, exactly once. The wait is a database row
with its next time, so nothing is lost with the worker.

Workers cannot share the test's time-machine clock, so the wait is real: one minute (the
shortest a Wait step takes), with ticks enqueued every few seconds instead of every minute."""
import time
from datetime import timedelta

from rq import Worker

from oncord import jobs
from oncord.extensions import db as _db
from oncord.models import (
    Automation, AutomationLog, AutomationRun, AutomationStep, MessageTemplate, Trigger,
)
from oncord.queues import enqueue, get_queue
from oncord.sync import connection as connections, pull
from oncord.timestamps import utcnow
from tests import services
from tests.automations.test_workers import sent_messages, wait_for, worker_env
from tests.messaging.recording_channel import calls

TICK_EVERY = 3  # seconds between the test's ticks (the scheduled tick runs every minute)


def _sms_wait_sms(db, sandbox, app, monkeypatch) -> Automation:
    """One appointment 30 minutes ahead and an hour-before reminder on since an hour ago: due now."""
    monkeypatch.setitem(app.config, "AUTOMATION_QUIET_HOURS", "00:00-00:00")
    connection = connections.connect(sandbox.api_key, base_url=sandbox.base_url)
    patient = sandbox.world.create_patient(
        first_name="Ana", last_name="Smith", email="ana@mail.example", accepted_sms_marketing=True,
        patient_phone_numbers=[{"number": "0412 345 678", "phone_type": "Mobile"}])["id"]
    sandbox.world.book_appointment(patient, starts_at=utcnow() + timedelta(minutes=30))
    pull.run(connection.id)
    connection.live_since = utcnow() - timedelta(hours=1)
    first = MessageTemplate(name="Reminder", channel="sms", kind="factual", body="See you soon")
    second = MessageTemplate(name="Directions", channel="sms", kind="factual", body="Parking is at the back")
    automation = Automation(name="Hour before", trigger=Trigger.UPCOMING.value, offset_minutes=60, enabled=True,
                            enabled_at=utcnow() - timedelta(hours=1))
    db.session.add_all([first, second, automation])
    db.session.flush()
    automation.steps.extend([
        AutomationStep(position=0, type="sms", template_id=first.id, kind="factual"),
        AutomationStep(position=1, type="wait", wait_minutes=1),
        AutomationStep(position=2, type="sms", template_id=second.id, kind="factual"),
    ])
    db.session.commit()
    return automation


def _run() -> AutomationRun | None:
    _db.session.expire_all()
    return _db.session.query(AutomationRun).one_or_none()


def _waiting_for_step(position: int) -> bool:
    run = _run()
    return run is not None and run.status == "waiting" and run.next_step == position


def _tick_until(condition, what: str, timeout: float) -> None:
    """Enqueue a tick every TICK_EVERY seconds until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        enqueue(jobs.automations_tick)
        time.sleep(TICK_EVERY)


def test_a_wait_across_a_worker_restart_sends_the_next_step_exactly_once(db, sandbox, app, monkeypatch, tmp_path,
                                                                         start_worker):
    automation = _sms_wait_sms(db, sandbox, app, monkeypatch)
    log = tmp_path / "calls.jsonl"
    first_worker = start_worker(**worker_env(log))
    wait_for(lambda: Worker.count(queue=get_queue()) >= 1, "the first worker listening", 30)

    _tick_until(lambda: _waiting_for_step(2), "the first SMS, then the wait", 60)
    [first_call] = calls(log)
    run = _run()
    first_sent = _db.session.query(AutomationLog).filter_by(run_id=run.id, outcome="sent").one().at
    assert run.next_at >= first_sent + timedelta(minutes=1)

    services.kill_worker_tree(first_worker)  # the worker, its scheduler and any work horse, as when the machine dies
    first_worker.wait(timeout=20)
    start_worker(**worker_env(log))

    _tick_until(lambda: _run().status == "done", "the second SMS after the wait", 120)
    for _ in range(2):  # more ticks, on a finished run: nothing more goes
        tick = enqueue(jobs.automations_tick)
        wait_for(lambda: tick.get_status(refresh=True) in ("finished", "failed"), "a last tick", 60)

    provider_calls = calls(log)
    assert len(provider_calls) == 2 and provider_calls[0] == first_call
    assert provider_calls[1]["to"] == first_call["to"]
    assert provider_calls[1]["pid"] != first_call["pid"]  # the new worker sent it
    messages = sorted(sent_messages(db, automation), key=lambda m: m.id)
    assert [m.status for m in messages] == ["sent", "sent"]
    assert messages[0].body_text.startswith("See you soon") and messages[1].body_text.startswith("Parking")
    sends = _db.session.query(AutomationLog).filter_by(automation_id=automation.id, outcome="sent") \
        .order_by(AutomationLog.at).all()
    assert [entry.step_position for entry in sends] == [0, 2]
    assert sends[1].at >= sends[0].at + timedelta(minutes=1)  # not before the wait was over
    assert _run().status == "done"
