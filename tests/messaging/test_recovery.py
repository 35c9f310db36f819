"""Recovery: "sending" left by a dead worker becomes "uncertain" and is never resent; "queued" is sent once."""
from __future__ import annotations

from datetime import timedelta

import time_machine

from oncord.messaging import ledger, recovery
from oncord.messaging.drafts import EmailDraft
from oncord.models import MessageStatus
from oncord.queues import get_queue
from oncord.timestamps import utcnow
from tests.messaging.recording_channel import calls

DRAFT = EmailDraft(to="pat@mail.example", subject="Reminder", text="See you tomorrow")


def test_a_send_left_sending_becomes_uncertain_and_is_never_resent(db, recording, subscribed, run_jobs):
    message = ledger.claim("automation:1:step:1:appointment:1", DRAFT, contact=subscribed, kind="factual",
                           source="automation")
    ledger.start_sending(message, via="smtp")  # ...and the worker died here
    assert recovery.recover() == ([], [])  # not stuck yet: a send may take a while
    with time_machine.travel(utcnow() + recovery.stuck_after() + timedelta(seconds=1)):
        assert recovery.recover() == ([message.id], [])
    db.session.refresh(message)
    assert message.status == MessageStatus.UNCERTAIN.value and "may or may not have been sent" in message.reason
    assert ledger.uncertain() == [message]
    recovery.queue_send(message.id)
    run_jobs()
    assert calls(recording) == [] and message.status == MessageStatus.UNCERTAIN.value


def test_a_message_left_queued_is_queued_again_and_sent_once(db, recording, subscribed, sender_identity, run_jobs):
    message = ledger.claim("campaign:4:contact:1", DRAFT, contact=subscribed, kind="marketing", source="campaign")
    with time_machine.travel(utcnow() + recovery.stuck_after() + timedelta(seconds=1)):
        assert recovery.recover() == ([], [message.id])
        assert recovery.recover() == ([], [message.id])  # the waiting job absorbs the second request
    assert get_queue().count == 1
    run_jobs()
    recovery.queue_send(message.id)  # once more, as a retry would
    run_jobs()
    db.session.refresh(message)
    assert message.status == MessageStatus.SENT.value and len(calls(recording)) == 1
    assert ledger.uncertain() == []


def test_the_recovery_job_runs_and_schedules_the_next_run(db, recording, subscribed, run_jobs):
    message = ledger.claim("k", DRAFT, contact=subscribed, kind="factual", source="automation")
    ledger.start_sending(message, via="smtp")
    at = recovery.ensure_scheduled()
    assert 0 < (at - utcnow()).total_seconds() <= recovery.every().total_seconds()
    later = utcnow() + recovery.stuck_after() + timedelta(seconds=5)
    with time_machine.travel(later):
        run_jobs(due_by=later)
    db.session.refresh(message)
    assert message.status == MessageStatus.UNCERTAIN.value
    assert len(get_queue().scheduled_job_registry.get_job_ids()) == 1  # the next run
