"""Real workers on real Redis: two racing the same ticks send each message once; a worker killed
mid-step leaves its run to the next, which never sends again."""
import time
from datetime import timedelta
from pathlib import Path

from rq import Worker

from oncord import jobs
from oncord.extensions import db as _db
from oncord.models import AutomationLog, AutomationRun, Automation, AutomationStep, Message, MessageTemplate, Trigger
from oncord.queues import enqueue, get_queue
from oncord.sync import connection as connections, pull
from oncord.timestamps import utcnow
from tests import services
from tests.messaging.conftest import RECORDING
from tests.messaging.recording_channel import calls

PATIENTS = 12


def wait_for(condition, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def worker_env(log: Path, **extra) -> dict:
    return {"ONCORD_MESSAGING_TEST_CHANNEL": RECORDING, "RECORDING_CHANNEL_LOG": str(log),
            "CLINIC_TIMEZONE": "UTC", "ONCORD_AUTOMATION_QUIET_HOURS": "00:00-00:00", **extra}


def due_reminders(db, sandbox, app, monkeypatch, patients: int = PATIENTS) -> Automation:
    """Appointments 30 minutes ahead and an hour-before reminder, on since an hour ago: all due now."""
    monkeypatch.setitem(app.config, "AUTOMATION_QUIET_HOURS", "00:00-00:00")
    world = sandbox.world
    connection = connections.connect(sandbox.api_key, base_url=sandbox.base_url)
    for i in range(patients):
        pid = world.create_patient(first_name=f"P{i}", last_name="Race", email=f"p{i}@mail.example",
                                   patient_phone_numbers=[{"number": f"0412 000 {i:03d}", "phone_type": "Mobile"}],
                                   accepted_sms_marketing=True)["id"]
        world.book_appointment(pid, starts_at=utcnow() + timedelta(minutes=30))
    pull.run(connection.id)
    connection.live_since = utcnow() - timedelta(hours=1)
    template = MessageTemplate(name="Reminder", channel="sms", kind="factual", body="See you soon")
    automation = Automation(name="Hour before", trigger=Trigger.UPCOMING.value, offset_minutes=60, enabled=True,
                            enabled_at=utcnow() - timedelta(hours=1))
    db.session.add_all([template, automation])
    db.session.flush()
    automation.steps.append(AutomationStep(position=0, type="sms", template_id=template.id, kind="factual"))
    db.session.commit()
    return automation


def sent_messages(db, automation) -> list[Message]:
    db.session.expire_all()
    return db.session.query(Message).filter_by(source="automation", source_id=automation.id).all()


def test_two_workers_racing_the_same_ticks_send_each_message_once(db, sandbox, app, monkeypatch, tmp_path,
                                                                   start_worker):
    automation = due_reminders(db, sandbox, app, monkeypatch)
    sandbox.faults.set(latency=0.05, match="/individual_appointments/")  # long ticks: they overlap
    log = tmp_path / "calls.jsonl"
    for _ in range(2):
        start_worker(**worker_env(log))
    wait_for(lambda: Worker.count(queue=get_queue()) >= 2, "both workers listening", 30)
    ticks = [enqueue(jobs.automations_tick) for _ in range(6)]  # distinct ids: all six run
    wait_for(lambda: all(job.get_status(refresh=True) in ("finished", "failed") for job in ticks), "the ticks")
    assert [job.get_status() for job in ticks] == ["finished"] * 6
    messages = sent_messages(db, automation)
    assert len(messages) == PATIENTS and {m.status for m in messages} == {"sent"}
    provider_calls = calls(log)
    assert sorted(c["to"] for c in provider_calls) == sorted(m.address for m in messages)  # each once
    assert len({c["to"] for c in provider_calls}) == PATIENTS
    assert db.session.query(AutomationRun).filter_by(status="done").count() == PATIENTS
    assert db.session.query(AutomationLog).filter_by(outcome="sent").count() == PATIENTS
    advanced = [job.return_value()["advanced"] for job in ticks]
    assert sum(advanced) == PATIENTS, advanced  # each run claimed by exactly one tick


def test_a_worker_killed_mid_step_leaves_the_run_to_the_next_which_never_resends(db, sandbox, app, monkeypatch,
                                                                                  tmp_path, start_worker):
    automation = due_reminders(db, sandbox, app, monkeypatch, patients=1)
    log = tmp_path / "calls.jsonl"
    first = start_worker(**worker_env(log, RECORDING_CHANNEL_HANG="after_send", ONCORD_AUTOMATION_LEASE_SECONDS=3))
    enqueue(jobs.automations_tick)
    wait_for(Path(f"{log}.hung").exists, "the provider to take the reminder")
    services.kill_worker_tree(first)  # the worker, its scheduler and any work horse, as when the machine dies
    first.wait(timeout=20)
    assert len(calls(log)) == 1
    start_worker(**worker_env(log, ONCORD_AUTOMATION_LEASE_SECONDS=3, ONCORD_MESSAGING_STUCK_AFTER_SECONDS=2,
                              ONCORD_MESSAGING_RECOVERY_SECONDS=1))
    time.sleep(3.5)  # the dead worker's lease runs out
    tick = enqueue(jobs.automations_tick)
    wait_for(lambda: tick.get_status(refresh=True) in ("finished", "failed"), "the next tick")

    def run_done():
        _db.session.expire_all()
        return _db.session.query(AutomationRun).one().status == "done"

    wait_for(run_done, "the run to finish")
    wait_for(lambda: sent_messages(db, automation)[0].status == "uncertain", "recovery to mark the send uncertain")
    assert len(calls(log)) == 1  # never sent again
    assert len(sent_messages(db, automation)) == 1
