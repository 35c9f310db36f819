"""deliver(): record, re-check, send, mark; a key is sent at most once."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from oncord.extensions import db as _db
from oncord.messaging import ledger
from oncord.messaging.channels import PermanentFailure, TemporaryFailure
from oncord.messaging.deliver import deliver, send_queued
from oncord.messaging.drafts import EmailDraft, Receipt, SmsDraft
from oncord.models import ConsentStatus, Message, MessageStatus
from tests.messaging.recording_channel import calls


def draft(to="pat@mail.example"):
    return EmailDraft(to=to, subject="Time for your check-up", text="Hello Pat", html="<p>Hello Pat</p>")


def test_a_second_deliver_with_the_same_key_never_sends(db, recording, subscribed, sender_identity):
    first = deliver("campaign:7:contact:9", subscribed, draft(), kind="marketing", source="campaign", source_id=7)
    second = deliver("campaign:7:contact:9", subscribed, draft(), kind="marketing", source="campaign", source_id=7)
    assert first.status == "sent" and first.via == "recording" and first.provider_answer == "250 2.0.0 OK"
    assert second is None
    assert len(calls(recording)) == 1
    assert db.session.scalar(select(func.count(Message.id))) == 1


def test_a_duplicate_key_keeps_the_callers_pending_work(db, recording, subscribed):
    """The unique-key INSERT fails inside a savepoint: on PostgreSQL too, the session goes on."""
    deliver("k1", subscribed, draft(), kind="marketing", source="campaign")
    subscribed.first_name = "Patricia"  # the caller's own unit of work, not yet committed
    assert deliver("k1", subscribed, draft(), kind="marketing", source="campaign") is None
    db.session.commit()
    db.session.expire_all()
    assert subscribed.first_name == "Patricia"


def test_two_threads_delivering_one_key_send_once(app, db, recording, subscribed):
    contact_id, results, barrier = subscribed.id, [], threading.Barrier(2)

    def run():
        with app.app_context():
            from oncord.models import Contact

            contact = _db.session.get(Contact, contact_id)
            barrier.wait()
            results.append(deliver("automation:1:step:1:appointment:5", contact, draft(), kind="factual",
                                   source="automation"))
            _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert sorted(r is None for r in results) == [False, True]
    assert len(calls(recording)) == 1


def test_eligibility_is_checked_again_at_send_time(db, recording, subscribed):
    message = ledger.claim("campaign:1:contact:1", draft(), contact=subscribed, kind="marketing", source="campaign")
    subscribed.email_status = ConsentStatus.UNSUBSCRIBED.value  # between recording and sending
    db.session.commit()
    send_queued(message.id)
    assert message.status == "skipped" and message.reason == "Unsubscribed from email."
    assert calls(recording) == []


def test_an_ineligible_contact_is_recorded_as_skipped_under_the_key(db, recording, subscribed):
    subscribed.sms_status = ConsentStatus.PENDING.value
    message = deliver("campaign:2:contact:1", subscribed, SmsDraft(to="+61412345678", body="Hi"), kind="marketing",
                      source="campaign")
    assert message.status == "skipped" and "Pending" in message.reason
    assert deliver("campaign:2:contact:1", subscribed, SmsDraft(to="+61412345678", body="Hi"), kind="marketing",
                   source="campaign") is None
    assert calls(recording) == []


def test_record_skip_holds_the_key(db, subscribed):
    skipped = ledger.record_skip("campaign:3:contact:1", None, channel="email", contact=subscribed, kind="marketing",
                                 source="campaign", reason="Unsubscribed from email.")
    assert skipped.status == "skipped" and skipped.finished_at is not None
    with pytest.raises(ledger.AlreadyClaimed):
        ledger.claim("campaign:3:contact:1", draft(), contact=subscribed, kind="marketing", source="campaign")


class FailingChannel:
    name = "failing"

    def __init__(self, error):
        self.error, self.calls = error, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def send(self, draft):
        self.calls += 1
        raise self.error


def test_a_refused_recipient_is_failed_with_the_providers_reason(db, subscribed):
    channel = FailingChannel(PermanentFailure("The mail server refused this address.", code="550"))
    message = deliver("k", subscribed, draft(), kind="factual", source="automation", channel=channel)
    assert (message.status, message.reason, message.provider_error_code) == (
        "failed", "The mail server refused this address.", "550")


def test_a_temporary_failure_leaves_the_message_queued_for_another_try(db, recording, subscribed):
    channel = FailingChannel(TemporaryFailure("Could not connect to the mail server."))
    message = deliver("k", subscribed, draft(), kind="factual", source="automation", channel=channel)
    assert message.status == "queued" and message.sending_at is None and "Could not connect" in message.reason
    send_queued(message.id)
    assert message.status == "sent" and len(calls(recording)) == 1


def test_an_unknown_error_while_sending_is_uncertain_and_never_resent(db, recording, subscribed):
    channel = FailingChannel(ConnectionResetError("connection reset"))
    message = deliver("k", subscribed, draft(), kind="factual", source="automation", channel=channel)
    assert message.status == "uncertain" and "may or may not" in message.reason
    send_queued(message.id)
    assert calls(recording) == [] and message.status == "uncertain"


def test_only_one_of_two_workers_claims_the_send(db, subscribed):
    message = ledger.claim("k", draft(), contact=subscribed, kind="factual", source="automation")
    assert ledger.start_sending(message, via="outbox") is True
    assert ledger.start_sending(message, via="outbox") is False


def test_outbox_mode_records_the_rendered_email(db, subscribed):
    message = deliver("test:1", subscribed, draft(), kind="test", source="test")
    assert message.status == "sent" and message.via == "outbox"
    assert message.headers["Content-Type"].startswith("multipart/alternative")
    assert message.headers["To"] == "pat@mail.example" and message.provider_id == message.headers["Message-ID"]
    assert "nothing was sent" in message.provider_answer


def test_mark_sent_stores_the_receipt(db, subscribed):
    message = ledger.claim("k", draft(), contact=subscribed, kind="factual", source="automation")
    ledger.start_sending(message, via="smtp")
    ledger.mark_sent(message, Receipt(provider_id="<abc@x>", answer="250 queued", headers={"To": "pat@mail.example"}))
    assert message.status == MessageStatus.SENT.value and message.sent_at and message.finished_at
    assert message.headers == {"To": "pat@mail.example"}


def test_a_marketing_email_without_the_sender_identity_is_skipped_at_send_time(db, recording, subscribed):
    """Checked when sending, not only when saving settings: a row queued before the identity was removed waits too."""
    message = deliver("campaign:8:contact:1", subscribed, draft(), kind="marketing", source="campaign")
    assert message.status == "skipped"
    assert message.reason == ("Add the clinic's name and postal address under Settings > Messaging "
                              "before sending marketing email.")
    assert calls(recording) == []


def test_a_queued_marketing_email_is_checked_again_for_the_sender_identity(db, recording, subscribed,
                                                                           sender_identity):
    message = ledger.claim("campaign:9:contact:1", draft(), contact=subscribed, kind="marketing", source="campaign")
    sender_identity.postal_address = None  # removed between deciding and sending
    db.session.commit()
    assert send_queued(message.id).status == "skipped"
    assert calls(recording) == []
