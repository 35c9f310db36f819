"""What became of a campaign: progress while it sends, and its results after (from the ledger)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from oncord.campaigns.sending import quiet_hours_note
from oncord.extensions import db
from oncord.models import Campaign, CampaignRecipient, CampaignStatus, ConsentChange, ConsentStatus, Message, MessageStatus
from oncord.models import RecipientState


@dataclass(frozen=True, slots=True)
class Progress:
    total: int = 0  # the fixed audience (0 before sending starts)
    pending: int = 0  # not yet handed to the ledger
    sent: int = 0  # sent, delivered included
    delivered: int = 0  # SMS the network confirmed
    failed: int = 0
    skipped: int = 0  # by the ledger (unsubscribed meanwhile...) or never handed over (cancelled)
    waiting: int = 0  # recorded, waiting for the provider (queued again after a temporary failure)
    uncertain: int = 0  # a worker stopped mid-send: never sent again; check by hand

    @property
    def done(self) -> int:
        return self.total - self.pending

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else int(self.done * 100 / self.total)


@dataclass(frozen=True, slots=True)
class Results:
    progress: Progress
    failed_reasons: list[tuple[str, int]] = field(default_factory=list)
    skipped_reasons: list[tuple[str, int]] = field(default_factory=list)
    unsubscribed_since: int = 0
    quiet_hours_note: str | None = None  # an SMS campaign sending in quiet hours: until when it waits


def progress(campaign: Campaign) -> Progress:
    rows = db.session.execute(
        select(CampaignRecipient.state, Message.status, func.count())
        .outerjoin(Message, Message.id == CampaignRecipient.message_id)
        .where(CampaignRecipient.campaign_id == campaign.id)
        .group_by(CampaignRecipient.state, Message.status))
    counts: Counter[str] = Counter()
    total = 0
    for state, status, number in rows:
        total += number
        if state == RecipientState.PENDING.value:
            counts["pending"] += number
        elif state == RecipientState.SKIPPED.value or status == MessageStatus.SKIPPED.value:
            counts["skipped"] += number
        elif status in (MessageStatus.SENT.value, MessageStatus.DELIVERED.value):
            counts["sent"] += number
            counts["delivered"] += number if status == MessageStatus.DELIVERED.value else 0
        elif status == MessageStatus.FAILED.value:
            counts["failed"] += number
        elif status == MessageStatus.UNCERTAIN.value:
            counts["uncertain"] += number
        else:  # queued or sending
            counts["waiting"] += number
    return Progress(total=max(total, campaign.audience_size or 0), **counts)


def results(campaign: Campaign) -> Results:
    waiting = quiet_hours_note(campaign) if campaign.status == CampaignStatus.SENDING.value else None
    return Results(progress(campaign), failed_reasons=_message_reasons(campaign, MessageStatus.FAILED),
                   skipped_reasons=_skipped_reasons(campaign), unsubscribed_since=unsubscribed_since(campaign),
                   quiet_hours_note=waiting)


def _message_reasons(campaign: Campaign, status: MessageStatus) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(Message.reason, func.count()).join(CampaignRecipient, CampaignRecipient.message_id == Message.id)
        .where(CampaignRecipient.campaign_id == campaign.id, Message.status == status.value)
        .group_by(Message.reason))
    return _sorted(Counter({reason or "No reason was recorded.": number for reason, number in rows}))


def _skipped_reasons(campaign: Campaign) -> list[tuple[str, int]]:
    found = Counter(dict(_message_reasons(campaign, MessageStatus.SKIPPED)))
    for reason, number in db.session.execute(
            select(CampaignRecipient.reason, func.count())
            .where(CampaignRecipient.campaign_id == campaign.id,
                   CampaignRecipient.state == RecipientState.SKIPPED.value)
            .group_by(CampaignRecipient.reason)):
        found[reason or "No reason was recorded."] += number
    return _sorted(found)


def _sorted(counts: Counter) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def unsubscribed_since(campaign: Campaign) -> int:
    """Recipients who unsubscribed from the campaign's channel since it started sending."""
    if campaign.started_at is None:
        return 0
    return db.session.scalar(
        select(func.count(func.distinct(ConsentChange.contact_id)))
        .join(CampaignRecipient, CampaignRecipient.contact_id == ConsentChange.contact_id)
        .where(CampaignRecipient.campaign_id == campaign.id, ConsentChange.channel == campaign.channel,
               ConsentChange.new_status == ConsentStatus.UNSUBSCRIBED.value,
               ConsentChange.created_at >= campaign.started_at)) or 0
