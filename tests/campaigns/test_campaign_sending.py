"""Sending a campaign in batches over the send ledger: once per contact, pausable, cancellable."""
from __future__ import annotations

from sqlalchemy import func, select

from oncord.campaigns import scheduling, sending
from oncord.messaging import consent
from oncord.models import (
    ActivityEvent, Campaign, CampaignRecipient, Contact, CampaignStatus, ConsentSource, ConsentStatus, Message, RecipientState,
)
from tests.campaigns.campaign_fixtures import campaign_of, provider, send_now, waiting_for_a_retry  # noqa: F401
from tests.messaging.recording_channel import calls


def people(person, n, **fields):
    return [person(first_name=f"P{i:02d}", email=f"p{i:02d}@mail.example", **fields) for i in range(n)]


def fresh(db, campaign_id) -> Campaign:
    db.session.expire_all()
    return db.session.get(Campaign, campaign_id)


def test_send_now_reaches_every_subscribed_contact_once_in_batches(db, app, person, campaign_of, provider,
                                                                    sender_identity, run_jobs, monkeypatch):
    monkeypatch.setitem(app.config, "CAMPAIGN_BATCH_SIZE", 2)
    contacts = people(person, 5)
    person(first_name="Nope", email="nope@mail.example", email_status=ConsentStatus.PENDING)
    db.session.commit()
    campaign = campaign_of("email")
    send_now(db, campaign)
    run_jobs()
    campaign = fresh(db, campaign.id)
    assert campaign.status == CampaignStatus.FINISHED.value and campaign.finished_at is not None
    assert campaign.audience_size == 5
    sent_to = sorted(call["to"] for call in calls(provider))
    assert sent_to == sorted(c.email for c in contacts)
    messages = list(db.session.scalars(select(Message).where(Message.source == "campaign")))
    assert {m.key for m in messages} == {campaign.message_key(c.id) for c in contacts}
    assert all(m.source_id == campaign.id and m.kind == "marketing" and m.status == "sent" for m in messages)
    assert "Hello P0" in messages[0].body_text and messages[0].subject.startswith("Time for a check-up, P0")
    recipients = list(campaign.recipients)
    assert all(r.state == RecipientState.DONE.value and r.message_id for r in recipients)
    # each message is in its contact's activity feed
    feed = db.session.scalar(select(func.count()).select_from(ActivityEvent).where(
        ActivityEvent.contact_id.in_([c.id for c in contacts]), ActivityEvent.kind == "message"))
    assert feed == 5


def test_a_batch_run_twice_or_after_the_end_sends_nothing_more(db, person, campaign_of, provider, sender_identity):
    people(person, 3)
    db.session.commit()
    campaign = campaign_of("email")
    sending.start_now(campaign)
    db.session.commit()
    assert sending.fix_audience(campaign.id) is True
    assert sending.fix_audience(campaign.id) is False  # the audience is fixed once
    assert db.session.scalar(select(func.count()).select_from(CampaignRecipient)) == 3
    # A crashed run recorded the messages but never marked the recipients: the rerun sends the queued ones once.
    from oncord.messaging import ledger
    from oncord.campaigns.rendering import render_draft
    from oncord.messaging.message_templates import clinic_identity

    first = db.session.scalars(select(CampaignRecipient).order_by(CampaignRecipient.id)).first()
    contact = db.session.get(Contact, first.contact_id)
    ledger.claim_many([(campaign.message_key(contact.id), render_draft(campaign, contact, clinic_identity()), contact)],
                      kind="marketing", source="campaign", source_id=campaign.id)
    report = sending.send_batch(campaign.id, size=10)
    assert report.status == CampaignStatus.FINISHED.value
    assert sorted(c["to"] for c in calls(provider)).count(contact.email) == 1
    assert len(calls(provider)) == 3
    assert sending.send_batch(campaign.id).handled == 0
    assert len(calls(provider)) == 3


def test_pause_resume_and_cancel(db, app, person, campaign_of, provider, sender_identity):
    people(person, 6)
    db.session.commit()
    campaign = campaign_of("email")
    sending.start_now(campaign)
    db.session.commit()
    assert sending.send_batch(campaign.id, size=2).more
    assert sending.pause(campaign, "Paused by Ana.")
    db.session.commit()
    assert sending.send_batch(campaign.id, size=2).handled == 0  # paused: a queued batch does nothing
    assert len(calls(provider)) == 2
    assert not sending.pause(campaign)  # already paused
    campaign = fresh(db, campaign.id)
    campaign.consecutive_failures = 4
    db.session.commit()
    assert sending.resume(campaign)
    db.session.commit()
    campaign = fresh(db, campaign.id)
    assert campaign.status == "sending" and campaign.consecutive_failures == 0 and campaign.paused_reason is None
    sending.send_batch(campaign.id, size=2)
    assert len(calls(provider)) == 4
    assert sending.cancel(campaign)
    db.session.commit()
    assert sending.send_batch(campaign.id, size=2).handled == 0
    assert len(calls(provider)) == 4
    skipped = list(db.session.scalars(select(CampaignRecipient).where(CampaignRecipient.state == "skipped")))
    assert len(skipped) == 2 and {r.reason for r in skipped} == {sending.CANCELLED_REASON}
    assert fresh(db, campaign.id).status == CampaignStatus.CANCELLED.value
    assert not sending.resume(fresh(db, campaign.id))  # cancelled is for good


def test_too_many_failures_in_a_row_pause_the_campaign_and_say_why(db, app, person, campaign_of, provider,
                                                                   sender_identity, monkeypatch, run_jobs):
    monkeypatch.setitem(app.config, "CAMPAIGN_MAX_CONSECUTIVE_FAILURES", 10)
    monkeypatch.setenv("CAMPAIGN_PROVIDER_FAIL", "permanent")
    people(person, 25)
    db.session.commit()
    campaign = campaign_of("email")
    send_now(db, campaign)
    run_jobs()
    campaign = fresh(db, campaign.id)
    assert campaign.status == CampaignStatus.PAUSED.value
    assert campaign.consecutive_failures == 10
    assert "10 sends in a row failed" in campaign.paused_reason and "550 5.1.1" in campaign.paused_reason
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.status == "failed")) == 10
    assert db.session.scalar(select(func.count()).select_from(CampaignRecipient)
                             .where(CampaignRecipient.state == "pending")) == 15
    monkeypatch.delenv("CAMPAIGN_PROVIDER_FAIL")
    assert sending.resume(campaign)
    db.session.commit()
    scheduling.queue_batch(campaign.id)
    run_jobs()
    campaign = fresh(db, campaign.id)
    assert campaign.status == CampaignStatus.FINISHED.value and campaign.consecutive_failures == 0
    assert len(calls(provider)) == 15


def test_a_wrong_password_pauses_before_anyone_is_passed_over(db, person, campaign_of, provider, sender_identity,
                                                              monkeypatch):
    monkeypatch.setenv("CAMPAIGN_PROVIDER_FAIL", "connect")
    people(person, 3)
    db.session.commit()
    campaign = campaign_of("email")
    sending.start_now(campaign)
    db.session.commit()
    report = sending.send_batch(campaign.id)
    campaign = fresh(db, campaign.id)
    assert report.status == campaign.status == CampaignStatus.PAUSED.value
    assert "refused the username or password" in campaign.paused_reason
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0
    assert db.session.scalar(select(func.count()).select_from(CampaignRecipient)
                             .where(CampaignRecipient.state == "pending")) == 3


def test_an_unsubscribe_while_the_campaign_runs_stops_further_sends(db, person, campaign_of, provider,
                                                                    sender_identity):
    contacts = people(person, 4)
    db.session.commit()
    campaign = campaign_of("email")
    sending.start_now(campaign)
    db.session.commit()
    sending.send_batch(campaign.id, size=2)
    leaving = contacts[3]
    consent.set_status(leaving, "email", ConsentStatus.UNSUBSCRIBED.value, ConsentSource.UNSUBSCRIBE_PAGE)
    db.session.commit()
    sending.send_batch(campaign.id, size=2)
    assert leaving.email not in {c["to"] for c in calls(provider)}
    assert len(calls(provider)) == 3
    message = db.session.scalar(select(Message).where(Message.key == campaign.message_key(leaving.id)))
    assert message.status == "skipped" and message.reason == "Unsubscribed from email."
    from oncord.campaigns import results

    found = results.results(fresh(db, campaign.id))
    assert (found.progress.sent, found.progress.skipped, found.progress.pending) == (3, 1, 0)
    assert found.skipped_reasons == [("Unsubscribed from email.", 1)]
    assert found.unsubscribed_since == 1


def test_sms_campaign_renders_the_opt_out_wording(db, person, campaign_of, provider):
    people(person, 1)
    db.session.commit()
    campaign = campaign_of("sms", body="Hi {{ contact.first_name }}, flu shots are in.")
    sending.start_now(campaign)
    db.session.commit()
    sending.send_batch(campaign.id)
    message = db.session.scalar(select(Message))
    assert message.channel == "sms" and message.status == "sent"
    assert message.body_text.startswith("Hi P00, flu shots are in.") and "STOP" in message.body_text


def test_cancel_also_skips_messages_waiting_for_a_retry(db, person, campaign_of, provider, sender_identity):
    """A temporary failure leaves messages queued for recovery to send later: not after a cancel."""
    from oncord.messaging import ledger
    from oncord.messaging.drafts import EmailDraft

    contact = person(first_name="Ana", email="ana@mail.example")
    db.session.commit()
    campaign = campaign_of("email")
    waiting_for_a_retry(db, contact, campaign)
    other = ledger.claim("automation:1:x", EmailDraft(to=contact.email, subject="y", text="y"), contact=contact,
                         kind="factual", source="automation", source_id=campaign.id)
    assert sending.cancel(campaign)
    statuses = dict(db.session.execute(select(Message.key, Message.status)).all())
    assert statuses == {campaign.message_key(contact.id): "skipped", "automation:1:x": "queued"}
    assert db.session.get(Message, other.id).status == "queued"


def test_a_paused_campaign_holds_its_messages_waiting_for_a_retry(db, person, campaign_of, provider, sender_identity):
    """A temporary failure leaves messages queued for recovery's send job: while staff have the
    campaign paused, that job sends nothing; once they resume it, the message goes, once."""
    from datetime import timedelta

    import time_machine

    from oncord.messaging import deliver, recovery
    from oncord.timestamps import utcnow

    contact = person(first_name="Ana", email="ana@mail.example")
    db.session.commit()
    campaign = campaign_of("email")
    message_id = waiting_for_a_retry(db, contact, campaign)
    assert sending.pause(campaign, "Paused by Ana.")
    db.session.commit()
    assert deliver.send_queued(message_id).status == "queued"  # a send job queued before the pause
    assert calls(provider) == []
    with time_machine.travel(utcnow() + recovery.stuck_after() + timedelta(seconds=1)):
        assert recovery.recover() == ([], [])  # no new send job for it while paused
    assert sending.resume(fresh(db, campaign.id))
    db.session.commit()
    assert deliver.send_queued(message_id).status == "sent"
    assert deliver.send_queued(message_id).status == "sent"  # run twice: still one send
    assert len(calls(provider)) == 1
