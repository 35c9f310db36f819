"""Fixtures for campaign sending tests (imported by the test modules that use them)."""
from __future__ import annotations

import pytest

from oncord.campaigns.conditions import Conditions
from oncord.models import Campaign, CampaignStatus
from tests.campaigns.provider import PROVIDER


@pytest.fixture
def provider(app, tmp_path, monkeypatch):
    """Route every send through the test provider; yields its log file."""
    log = tmp_path / "provider-calls.jsonl"
    monkeypatch.setitem(app.config, "MESSAGING_TEST_CHANNEL", PROVIDER)
    monkeypatch.setenv("RECORDING_CHANNEL_LOG", str(log))
    for name in ("RECORDING_CHANNEL_HANG", "CAMPAIGN_PROVIDER_FAIL", "CAMPAIGN_PROVIDER_HANG_AFTER"):
        monkeypatch.delenv(name, raising=False)
    return log


@pytest.fixture
def campaign_of(db):
    """A campaign (a draft unless `status` says otherwise) to everyone subscribed on `channel`."""

    def make(channel: str = "email", *, conditions: Conditions | None = None, **fields) -> Campaign:
        values = {"name": "Winter check-ups", "channel": channel, "status": CampaignStatus.DRAFT.value,
                  "subject": "Time for a check-up, {{ contact.first_name }}" if channel == "email" else None,
                  "body": "Hello {{ contact.first_name }}, book at {{ clinic.name }}.",
                  "conditions": (conditions or Conditions()).to_json(), **fields}
        campaign = Campaign(**values)
        db.session.add(campaign)
        db.session.commit()
        return campaign

    return make


def send_now(db, campaign: Campaign) -> None:
    """What "Send now" does: the campaign set sending (committed), its first batch queued."""
    from oncord.campaigns import scheduling, sending

    assert sending.start_now(campaign)
    db.session.commit()
    scheduling.queue_batch(campaign.id)


def waiting_for_a_retry(db, contact, campaign: Campaign) -> int:
    """Start `campaign` and leave its message to `contact` queued, as a temporary failure does; its id."""
    from oncord.campaigns import sending
    from oncord.messaging import ledger
    from oncord.messaging.drafts import EmailDraft

    sending.start_now(campaign)
    db.session.commit()
    sending.fix_audience(campaign.id)
    key = campaign.message_key(contact.id)
    return ledger.claim_many([(key, EmailDraft(to=contact.email, subject="x", text="x"), contact)],
                             kind="marketing", source="campaign", source_id=campaign.id)[key]
