"""deliver_batch / send_queued_batch: the rules of deliver() (never twice, checked again at send
time, "sending" committed before the provider has it) for a batch with fewer commits."""
from __future__ import annotations

import threading

import pytest

from sqlalchemy import func, select, text, update

from oncord.extensions import db as _db
from oncord.messaging import ledger
from oncord.messaging.channels import PermanentFailure, TemporaryFailure
from oncord.messaging.deliver import deliver, deliver_batch, send_queued_batch
from oncord.messaging.drafts import EmailDraft, Receipt
from oncord.messaging.suppressions import suppression_for
from oncord.models import ActivityEvent, ConsentStatus, Contact, Message, MessageStatus
from tests.factories import ContactFactory
from tests.messaging.recording_channel import calls

# Marketing email needs the clinic's name and postal address (Spam Act): every batch here is marketing.
pytestmark = pytest.mark.usefixtures("sender_identity")


def subscribed_contacts(db, count: int) -> list[Contact]:
    contacts = [ContactFactory(email=f"pat{n}@mail.example", email_status=ConsentStatus.SUBSCRIBED.value)
                for n in range(count)]
    db.session.commit()
    return contacts


def items(contacts, prefix="campaign:1"):
    return [(f"{prefix}:contact:{c.id}", c, EmailDraft(to=c.email, subject="News", text=f"Hi {c.id}",
                                                       html=f"<p>Hi {c.id}</p>")) for c in contacts]


def statuses(db) -> dict[str, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(Message.key, Message.status)).all())


class ScriptedChannel:
    """Answers each send in turn: a Receipt, or raises what the script says."""
    name = "scripted"

    def __init__(self, *script):
        self.script, self.sent = list(script), []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def send(self, draft):
        step = self.script.pop(0) if self.script else None
        if isinstance(step, BaseException):
            raise step
        self.sent.append(draft.to)
        return Receipt(provider_id=f"<{len(self.sent)}@x>", answer="250 OK", headers={"To": draft.to})


class WorkerKilled(BaseException):
    """Stands for the process dying: nothing after it runs, no commit happens."""


def test_a_batch_sends_each_message_once_and_again_sends_nothing(db, recording):
    contacts = subscribed_contacts(db, 5)
    outcomes = deliver_batch(items(contacts), kind="marketing", source="campaign", source_id=1)
    assert [o.status for o in outcomes] == ["sent"] * 5
    assert sorted(c["to"] for c in calls(recording)) == sorted(c.email for c in contacts)
    again = deliver_batch(items(contacts), kind="marketing", source="campaign", source_id=1)
    assert [(o.message_id, o.status) for o in again] == [(None, None)] * 5
    assert len(calls(recording)) == 5
    rows = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert all(m.via == "recording" and m.sent_at and m.provider_answer == "250 2.0.0 OK" for m in rows)
    assert all("List-Unsubscribe" in m.headers for m in rows)  # marketing: the one-click header is recorded
    assert db.session.scalar(select(func.count(ActivityEvent.id))) == 5  # one feed entry per message


def test_a_key_sent_by_deliver_is_not_sent_again_by_a_batch(db, recording):
    contacts = subscribed_contacts(db, 2)
    first = items(contacts)[0]
    deliver(first[0], first[1], first[2], kind="marketing", source="campaign")
    outcomes = deliver_batch(items(contacts), kind="marketing", source="campaign")
    assert [o.status for o in outcomes] == [None, "sent"]
    assert len(calls(recording)) == 2


def test_two_workers_racing_one_batch_send_each_message_once(app, db, recording):
    contacts = subscribed_contacts(db, 30)
    ids, barrier, errors = [c.id for c in contacts], threading.Barrier(2), []

    def run():
        try:
            with app.app_context():
                mine = list(_db.session.scalars(select(Contact).where(Contact.id.in_(ids)).order_by(Contact.id)))
                barrier.wait()
                deliver_batch(items(mine), kind="marketing", source="campaign")
                _db.session.remove()
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(timeout=120) for t in threads]
    assert errors == []
    sent_to = [c["to"] for c in calls(recording)]
    assert sorted(sent_to) == sorted(c.email for c in contacts)  # every one, none twice
    assert set(statuses(db).values()) == {"sent"}


def test_two_workers_racing_to_send_the_same_queued_rows_send_each_once(app, db, recording):
    contacts = subscribed_contacts(db, 30)
    claimed = ledger.claim_many([(k, d, c) for k, c, d in items(contacts)], kind="marketing", source="campaign")
    message_ids, barrier, errors = sorted(claimed.values()), threading.Barrier(2), []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                send_queued_batch(message_ids)
                _db.session.remove()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(timeout=120) for t in threads]
    assert errors == []
    assert sorted(c["to"] for c in calls(recording)) == sorted(c.email for c in contacts)
    assert set(statuses(db).values()) == {"sent"}


def test_eligibility_is_read_again_from_the_database_at_send_time(db, recording):
    keep, unsubscribed, erased, pending = subscribed_contacts(db, 4)
    # Changed behind the caller's back, as an unsubscribe in the web process would: the objects still say Subscribed.
    db.session.execute(update(Contact).where(Contact.id == unsubscribed.id)
                       .values(email_status=ConsentStatus.UNSUBSCRIBED.value).execution_options(synchronize_session=False))
    db.session.execute(update(Contact).where(Contact.id == pending.id)
                       .values(email_status=ConsentStatus.PENDING.value).execution_options(synchronize_session=False))
    suppression_for(erased, reason="erased")
    db.session.commit()
    outcomes = {o.key: o for o in deliver_batch(items([keep, unsubscribed, erased, pending]), kind="marketing",
                                                source="campaign")}
    assert [c["to"] for c in calls(recording)] == [keep.email]
    reasons = {key.rsplit(":", 1)[1]: (o.status, o.reason) for key, o in outcomes.items()}
    assert reasons[str(unsubscribed.id)] == ("skipped", "Unsubscribed from email.")
    assert reasons[str(pending.id)] == ("skipped", "Has not agreed to marketing by email (Pending).")
    assert reasons[str(erased.id)] == ("skipped", "This person was erased from oncord and must not be contacted.")
    assert sorted(statuses(db).values()) == ["sent", "skipped", "skipped", "skipped"]


def test_a_refused_recipient_fails_alone_and_the_batch_goes_on(db):
    contacts = subscribed_contacts(db, 3)
    channel = ScriptedChannel(None, PermanentFailure("The mail server refused this address.", code="550"), None)
    outcomes = deliver_batch(items(contacts), kind="marketing", source="campaign", channel=channel)
    assert [o.status for o in outcomes] == ["sent", "failed", "sent"]
    failed = db.session.scalar(select(Message).where(Message.status == "failed"))
    assert (failed.reason, failed.provider_error_code) == ("The mail server refused this address.", "550")


def test_an_unreachable_provider_leaves_the_rest_queued_and_they_are_sent_later(db):
    contacts = subscribed_contacts(db, 3)
    channel = ScriptedChannel(None, TemporaryFailure("Could not connect to the mail server."))
    outcomes = deliver_batch(items(contacts), kind="marketing", source="campaign", channel=channel)
    assert [o.status for o in outcomes] == ["sent", "queued", "queued"]
    queued = db.session.scalars(select(Message.id).where(Message.status == "queued")).all()
    assert len(queued) == 2 and db.session.scalar(select(Message.sending_at).where(Message.id == queued[0])) is None
    later = ScriptedChannel()
    assert [o.status for o in send_queued_batch(queued, channel=later)] == ["sent", "sent"]
    assert len(channel.sent) + len(later.sent) == 3


def test_a_worker_dying_after_the_provider_took_a_message_never_resends_it(db):
    """The commit that marks one message sent also marks the next "sending": a death between the
    provider call and that commit leaves the message "sending" (uncertain later), the next "queued"."""
    contacts = subscribed_contacts(db, 3)
    channel = ScriptedChannel(None, WorkerKilled())
    try:
        deliver_batch(items(contacts), kind="marketing", source="campaign", channel=channel)
    except WorkerKilled:
        pass
    _db.session.rollback()
    keys = [key for key, *_ in items(contacts)]
    assert [statuses(db)[k] for k in keys] == ["sent", "sending", "queued"]
    from datetime import timedelta
    from oncord.timestamps import utcnow
    stuck, waiting = ledger.recover_stuck(timedelta(seconds=0), now=utcnow() + timedelta(seconds=1))
    assert len(stuck) == 1 and len(waiting) == 1
    later = ScriptedChannel()
    all_ids = _db.session.scalars(select(Message.id).order_by(Message.id)).all()
    send_queued_batch(all_ids, channel=later)
    assert later.sent == [contacts[2].email]  # the uncertain one is never sent again
    assert [statuses(db)[k] for k in keys] == ["sent", "uncertain", "sent"]


def test_an_unknown_error_is_uncertain_and_the_batch_goes_on(db):
    contacts = subscribed_contacts(db, 2)
    channel = ScriptedChannel(ConnectionResetError("reset"), None)
    outcomes = deliver_batch(items(contacts), kind="marketing", source="campaign", channel=channel)
    assert [o.status for o in outcomes] == ["uncertain", "sent"]


def test_outbox_mode_records_the_headers_as_they_would_be_sent(db):
    contacts = subscribed_contacts(db, 2)
    deliver_batch(items(contacts), kind="marketing", source="campaign")
    for message in db.session.scalars(select(Message)):
        assert message.status == "sent" and message.via == "outbox"
        assert message.headers["Content-Type"].startswith("multipart/alternative")
        assert message.provider_id == message.headers["Message-ID"]
        assert message.headers["List-Unsubscribe"].startswith("<http")


def test_several_per_commit_a_crash_leaves_the_group_uncertain_and_nothing_is_sent_twice(db):
    contacts = subscribed_contacts(db, 5)
    channel = ScriptedChannel(None, None, None, None, WorkerKilled())  # dies on the 5th
    try:
        deliver_batch(items(contacts), kind="marketing", source="campaign", channel=channel, per_commit=3)
    except WorkerKilled:
        pass
    _db.session.rollback()
    keys = [key for key, *_ in items(contacts)]
    # The first three's results were committed with the last two's "sending"; the fifth died in the provider call.
    assert [statuses(db)[k] for k in keys] == ["sent", "sent", "sent", "sending", "sending"]
    later = ScriptedChannel()
    send_queued_batch(_db.session.scalars(select(Message.id)).all(), channel=later, per_commit=3)
    assert later.sent == []  # "sending" is never sent again (recovery makes both uncertain)


def test_several_per_commit_send_each_once_with_two_workers_racing(app, db, recording):
    contacts = subscribed_contacts(db, 20)
    claimed = ledger.claim_many([(k, d, c) for k, c, d in items(contacts)], kind="marketing", source="campaign")
    message_ids, barrier = sorted(claimed.values()), threading.Barrier(2)

    def run():
        with app.app_context():
            barrier.wait()
            send_queued_batch(message_ids, per_commit=4)
            _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(timeout=120) for t in threads]
    assert sorted(c["to"] for c in calls(recording)) == sorted(c.email for c in contacts)
    assert set(statuses(db).values()) == {"sent"}


def test_the_driver_ledger_writes_what_the_orm_and_recovery_read(db):
    """The batch's transitions bypass SQLAlchemy's execute path: their datetimes and JSON must be
    stored exactly as the ORM stores them, or recovery's time comparisons and the ledger's
    headers would silently go wrong (SQLite keeps datetimes as text)."""
    from datetime import timedelta

    from oncord.timestamps import utcnow

    contacts = subscribed_contacts(db, 2)
    claimed = ledger.claim_many([(key, draft, contact) for key, contact, draft in items(contacts)],
                                kind="marketing", source="campaign")
    message_id, by_orm = claimed.values()
    started = utcnow().replace(microsecond=0)  # the case where a plain isoformat would drop the fraction
    with ledger.DriverLedger(db.engine) as driver:
        assert driver.execute(ledger.START, {"message_id": message_id, "now": started, "via": "smtp"}) == 1
        assert driver.execute(ledger.START, {"message_id": message_id, "now": started, "via": "smtp"}) == 0
        driver.commit()
    db.session.execute(update(Message).where(Message.id == by_orm).values(sending_at=started))
    db.session.commit()
    stored = db.session.execute(text("SELECT id, sending_at FROM messages WHERE id IN (:a, :b)"),
                                {"a": message_id, "b": by_orm}).all()
    assert len({value for _, value in stored}) == 1, stored  # the same bytes as the ORM writes
    db.session.expire_all()
    message = db.session.get(Message, message_id)
    assert (message.status, message.sending_at, message.via) == (MessageStatus.SENDING.value, started, "smtp")
    stuck, _ = ledger.recover_stuck(timedelta(minutes=5), now=started + timedelta(minutes=6))
    assert stuck == [message_id]
    assert not ledger.recover_stuck(timedelta(minutes=5), now=started + timedelta(minutes=4))[0]

    with ledger.DriverLedger(db.engine) as driver:
        headers = {"Message-ID": "<1@x>", "Subject": "Grüße"}
        assert driver.execute(*ledger.sent_statement(message_id, Receipt("<1@x>", "250 OK", headers))) == 1
        driver.commit()
    db.session.expire_all()
    message = db.session.get(Message, message_id)
    assert (message.status, message.headers, message.provider_id) == (MessageStatus.SENT.value, headers, "<1@x>")
