"""A worker killed between the edit and the push: after a restart the edit reaches Cliniko once."""
import os
import signal
import time

from oncord.models import OutboxEdit
from tests.sync.test_push import PATCH, edit, synced  # noqa: F401 (fixture)


def test_killing_the_worker_before_the_push_loses_nothing_and_sends_once(app, db, sandbox, synced, start_worker,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "PUSH_DELAY_SECONDS", 3)
    contact, patient_id = synced
    edit(db, contact, email="survivor@example.com")
    first = start_worker(PUSH_DELAY_SECONDS=3)
    time.sleep(1.5)  # up and waiting for the scheduled push
    os.killpg(first.pid, signal.SIGKILL)  # the worker and its scheduler, as when the machine dies
    first.wait(timeout=10)
    assert sandbox.requests.count(PATCH) == 0
    start_worker(PUSH_DELAY_SECONDS=3)
    deadline = time.monotonic() + 60
    while sandbox.requests.count(PATCH) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # anything sent twice would show by now
    assert sandbox.requests.count(PATCH) == 1
    assert sandbox.world.patient(patient_id)["email"] == "survivor@example.com"
    db.session.expire_all()
    assert db.session.query(OutboxEdit).count() == 0
