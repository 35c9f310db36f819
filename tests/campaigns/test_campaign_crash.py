"""A real worker killed (SIGKILL, its whole process tree) in the middle of a campaign: after a
restart the campaign finishes, no contact messaged twice and none passed over."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from oncord.campaigns import scheduling, sending
from oncord.models import Campaign, CampaignRecipient, CampaignStatus, Message
from tests import services
from tests.campaigns.campaign_fixtures import send_now
from tests.campaigns.provider import PROVIDER
from tests.messaging.recording_channel import calls


def worker_env(log: Path, **extra) -> dict:
    return {"ONCORD_MESSAGING_TEST_CHANNEL": PROVIDER, "RECORDING_CHANNEL_LOG": str(log),
            "ONCORD_CAMPAIGN_BATCH_SIZE": 5, "ONCORD_CAMPAIGN_CHECK_SECONDS": 1, "SCHEDULE_CHECK_SECONDS": 1,
            "JOB_DEAD_AFTER_SECONDS": 2, "ONCORD_MESSAGING_RECOVERY_SECONDS": 1,
            "ONCORD_MESSAGING_STUCK_AFTER_SECONDS": 2, **extra}


def wait_for(condition, what: str, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def status_of(db, campaign_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Campaign, campaign_id).status


def winter_campaign(db, person, recipients: int) -> tuple[list, Campaign]:
    """`recipients` subscribed contacts and an email campaign to all of them (a draft)."""
    contacts = [person(first_name=f"P{i:02d}", email=f"p{i:02d}@mail.example") for i in range(recipients)]
    campaign = Campaign(name="Winter", channel="email", subject="Hello", body="Hi {{ contact.first_name }}",
                        conditions={})
    db.session.add(campaign)
    db.session.commit()
    return contacts, campaign


def test_a_worker_killed_mid_campaign_finishes_after_restart_exactly_once(db, person, sender_identity, tmp_path,
                                                                          start_worker):
    log = tmp_path / "calls.jsonl"
    contacts, campaign = winter_campaign(db, person, 12)
    send_now(db, campaign)
    # The 7th send is in the second batch: the provider has it, the ledger does not know yet.
    first = start_worker(**worker_env(log, CAMPAIGN_PROVIDER_HANG_AFTER=7))
    wait_for(Path(f"{log}.hung").exists, "the worker to hang mid-campaign")
    services.kill_worker_tree(first)
    assert len(calls(log)) == 7
    assert status_of(db, campaign.id) == CampaignStatus.SENDING.value
    start_worker(**worker_env(log))  # no job is queued: the periodic check finds the broken chain
    wait_for(lambda: status_of(db, campaign.id) == CampaignStatus.FINISHED.value, "the campaign to finish")
    time.sleep(3)  # more checks and recovery runs: anything sent twice would show by now
    sent_to = Counter(call["to"] for call in calls(log))
    assert sent_to == Counter(c.email for c in contacts)  # everyone, once
    recipients = list(db.session.scalars(select(CampaignRecipient)))
    assert len(recipients) == 12 and all(r.state == "done" for r in recipients)
    statuses = Counter(db.session.scalars(select(Message.status).where(Message.source_id == campaign.id)))
    # The one the provider had when the worker died is "uncertain" (never resent); the rest are sent.
    assert statuses == Counter({"sent": 11, "uncertain": 1})


def test_two_chains_of_batches_on_two_workers_send_to_each_contact_once(db, person, sender_identity, tmp_path,
                                                                         start_worker):
    """As if the periodic check and a resume both queued batches at once: two chains, two workers."""
    from oncord.queues import enqueue

    log = tmp_path / "calls.jsonl"
    contacts, campaign = winter_campaign(db, person, 30)
    sending.start_now(campaign)
    db.session.commit()
    for job_id in scheduling.batch_job_ids(campaign.id):
        enqueue(scheduling.BATCH_JOB, campaign.id, job_id=job_id)
    start_worker(**worker_env(log))
    start_worker(**worker_env(log))
    wait_for(lambda: status_of(db, campaign.id) == CampaignStatus.FINISHED.value, "the campaign to finish")
    time.sleep(2)
    assert Counter(call["to"] for call in calls(log)) == Counter(c.email for c in contacts)
    statuses = Counter(db.session.scalars(select(Message.status).where(Message.source_id == campaign.id)))
    assert statuses == Counter({"sent": 30})
    assert db.session.scalar(select(Campaign.audience_size).where(Campaign.id == campaign.id)) == 30
