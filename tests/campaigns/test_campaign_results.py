"""A campaign's results read from the ledger: sent, delivered, failed and skipped with reasons, unsubscribed since."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from oncord.campaigns import editing, results, sending
from oncord.messaging import consent
from oncord.models import CampaignRecipient, ConsentSource, ConsentStatus, Message
from tests.campaigns.campaign_fixtures import campaign_of, provider  # noqa: F401  (fixtures)


def test_results_count_each_outcome_with_its_reason(db, person, campaign_of, provider):
    people = [person(first_name=f"P{i}", phone=f"+6141234567{i}") for i in range(6)]
    db.session.commit()
    campaign = campaign_of("sms", body="Hi {{ contact.first_name }}")
    sending.start_now(campaign)
    db.session.commit()
    sending.fix_audience(campaign.id)
    assert results.progress(campaign).total == 6 and results.progress(campaign).pending == 6
    consent.set_status(people[5], "sms", ConsentStatus.UNSUBSCRIBED.value, ConsentSource.SMS_KEYWORD)
    db.session.commit()
    sending.send_batch(campaign.id, size=5)  # five go; the sixth stays pending
    keys = {p.id: campaign.message_key(p.id) for p in people}
    db.session.execute(update(Message).where(Message.key.in_([keys[people[0].id], keys[people[1].id]]))
                       .values(status="delivered"))
    db.session.execute(update(Message).where(Message.key == keys[people[2].id])
                       .values(status="failed", reason="The number is not a mobile."))
    db.session.commit()
    sending.cancel(campaign)
    db.session.commit()
    found = results.results(campaign)
    p = found.progress
    assert (p.total, p.pending, p.sent, p.delivered, p.failed, p.skipped) == (6, 0, 4, 2, 1, 1)
    assert p.percent == 100 and p.done == 6
    assert found.failed_reasons == [("The number is not a mobile.", 1)]
    assert found.skipped_reasons == [(sending.CANCELLED_REASON, 1)]
    assert found.unsubscribed_since == 1  # P5 replied STOP after the campaign started
    row = db.session.scalar(select(CampaignRecipient).where(CampaignRecipient.contact_id == people[5].id))
    assert row.state == "skipped"


def test_editing_checks_and_locks(db, campaign_of):
    sms = editing.CampaignFields(name="Flu", channel="sms", subject="ignored", body="Flu shots are in")
    campaign = editing.create_campaign(sms, user=None)
    assert campaign.subject is None and campaign.body == "Flu shots are in"
    assert editing.errors_of(editing.CampaignFields(name="", channel="email", body="")) == {
        "name": ["Give the campaign a name."], "subject": ["An email needs a subject."], "body": ["Write the message."]}
    assert editing.errors_of(editing.CampaignFields(name="x", channel="fax")) == {"channel": ["Choose email or SMS."]}
    problems = editing.errors_of(editing.CampaignFields(name="x", channel="sms", body="{{ appointment.date "))
    assert problems["body"] and "Line 1" in problems["body"][0]
    sending.start_now(campaign)
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(editing.CampaignLocked):
        editing.update_campaign(campaign, sms)
    with pytest.raises(editing.CampaignLocked):  # a sending campaign is the record of what went out
        editing.delete_campaign(campaign)
