"""Real workers killed (SIGKILL, the whole process group) mid-send: nothing is ever sent twice.

The recording channel stands for the provider: it logs each call to a file and hangs at
the chosen point, where the test kills the worker.
"""
from __future__ import annotations

import time
from pathlib import Path

from oncord.messaging import ledger, recovery
from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import EmailDraft
from oncord.models import Message, MessageStatus
from tests import services
from tests.messaging.conftest import RECORDING
from tests.messaging.recording_channel import calls

DRAFT = EmailDraft(to="pat@mail.example", subject="Reminder", text="See you tomorrow at 9")


def worker_env(log: Path, **extra) -> dict:
    return {"ONCORD_MESSAGING_TEST_CHANNEL": RECORDING, "RECORDING_CHANNEL_LOG": str(log),
            "ONCORD_MESSAGING_RECOVERY_SECONDS": 1, **extra}


def wait_for(condition, what: str, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def status_of(db, message_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Message, message_id).status


def kill(proc) -> None:
    services.kill_worker_tree(proc)  # the worker, its scheduler and the work horse, as when the machine dies
    proc.wait(timeout=20)


def test_a_worker_killed_between_recording_and_sending_sends_it_once_after_restart(db, subscribed, tmp_path,
                                                                                   start_worker):
    log = tmp_path / "calls.jsonl"
    message = ledger.claim("automation:1:step:1:appointment:1", DRAFT, contact=subscribed, kind="factual",
                           source="automation")
    recovery.queue_send(message.id)
    first = start_worker(**worker_env(log, RECORDING_CHANNEL_HANG="connect", ONCORD_MESSAGING_STUCK_AFTER_SECONDS=600))
    wait_for(Path(f"{log}.hung").exists, "the worker to reach the provider")
    assert status_of(db, message.id) == MessageStatus.QUEUED.value  # recorded, not handed over
    kill(first)
    assert calls(log) == []
    start_worker(**worker_env(log, ONCORD_MESSAGING_STUCK_AFTER_SECONDS=2))
    wait_for(lambda: status_of(db, message.id) == MessageStatus.SENT.value, "the recovered send")
    time.sleep(4)  # a few more recovery runs: anything sent twice would show by now
    assert len(calls(log)) == 1 and status_of(db, message.id) == MessageStatus.SENT.value
    assert deliver(message.key, subscribed, DRAFT, kind="factual", source="automation") is None
    assert ledger.uncertain() == []


def test_a_worker_killed_between_sending_and_marking_leaves_it_uncertain_never_resent(db, subscribed, sender_identity,
                                                                                      tmp_path, start_worker):
    log = tmp_path / "calls.jsonl"
    message = ledger.claim("campaign:7:contact:9", DRAFT, contact=subscribed, kind="marketing", source="campaign",
                           source_id=7)
    recovery.queue_send(message.id)
    first = start_worker(**worker_env(log, RECORDING_CHANNEL_HANG="after_send",
                                      ONCORD_MESSAGING_STUCK_AFTER_SECONDS=600))
    wait_for(Path(f"{log}.hung").exists, "the provider to take the message")
    assert status_of(db, message.id) == MessageStatus.SENDING.value
    kill(first)
    assert len(calls(log)) == 1
    start_worker(**worker_env(log, ONCORD_MESSAGING_STUCK_AFTER_SECONDS=2))
    wait_for(lambda: status_of(db, message.id) == MessageStatus.UNCERTAIN.value, "recovery to give up on it")
    recovery.queue_send(message.id)  # a retry, as a confused operator might ask for
    time.sleep(4)
    assert len(calls(log)) == 1 and status_of(db, message.id) == MessageStatus.UNCERTAIN.value
    assert [m.key for m in ledger.uncertain()] == ["campaign:7:contact:9"]
    assert deliver(message.key, subscribed, DRAFT, kind="marketing", source="campaign") is None
