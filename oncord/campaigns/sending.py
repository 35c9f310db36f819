"""Sending a campaign: fix its audience once, then send in batches over the send ledger.

Every step is safe to run twice or on two workers at once: status changes are conditional
updates (only one caller moves a campaign from one status to the next), the audience is fixed
by whoever first sets `audience_size`, and each contact has one ledger key per campaign, so a
repeated batch finds its keys taken and only finishes what a crashed run left "queued".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from oncord.automations import clinic_time
from oncord.extensions import db
from oncord.messaging import deliver, ledger
from oncord.messaging.channels import TemporaryFailure, channel_for
from oncord.messaging.merge_fields import TemplateError
from oncord.messaging.message_templates import clinic_identity
from oncord.models import Campaign, CampaignRecipient, CampaignStatus, Contact, Message, MessageStatus, RecipientState
from oncord.campaigns.rendering import render_draft
from oncord.timestamps import utcnow

SOURCE = "campaign"
KIND = "marketing"
CANCELLED_REASON = "The campaign was cancelled before it reached this contact."
GONE_REASON = "The contact no longer exists in oncord (deleted or erased)."
FAILED = {MessageStatus.FAILED.value, MessageStatus.QUEUED.value, MessageStatus.UNCERTAIN.value}
PENDING = RecipientState.PENDING.value


@dataclass(frozen=True, slots=True)
class BatchReport:
    handled: int  # recipients given a final state by this batch
    more: bool  # recipients still pending and the campaign still sending: queue the next batch
    status: str  # the campaign's status afterwards
    resume_at: datetime | None = None  # an SMS campaign in quiet hours: its next batch waits until then


def quiet_until(campaign: Campaign, now: datetime | None = None) -> datetime | None:
    """When an SMS campaign may send again if it is quiet hours now (the automations' quiet hours,
    ONCORD_AUTOMATION_QUIET_HOURS, in clinic time); None when it may send (email never waits)."""
    if campaign.channel != "sms":
        return None
    return clinic_time.quiet_until(now or utcnow())


def quiet_hours_note(campaign: Campaign, now: datetime | None = None) -> str | None:
    """Staff words while an SMS campaign waits out quiet hours, else None."""
    if (until := quiet_until(campaign, now)) is None:
        return None
    return f"Quiet hours ({clinic_time.quiet_hours_label()}): the texts wait until {clinic_time.format_local(until)}."


# Status changes -----------------------------------------------------------------------------------

def transition(campaign_id: int, from_statuses: set[CampaignStatus], to: CampaignStatus, **values) -> bool:
    """Move the campaign only if it is in one of `from_statuses`; True when this caller moved it."""
    result = db.session.execute(
        update(Campaign).where(Campaign.id == campaign_id, Campaign.status.in_([s.value for s in from_statuses]))
        .values(status=to.value, updated_at=utcnow(), **values).execution_options(synchronize_session=False))
    _forget(campaign_id)
    return result.rowcount == 1


def start_now(campaign: Campaign) -> bool:
    """Draft or scheduled -> sending (no commit); queue the first batch after committing."""
    return transition(campaign.id, {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED}, CampaignStatus.SENDING,
                      started_at=utcnow(), send_at=None)


def pause(campaign: Campaign, reason: str | None = None) -> bool:
    return transition(campaign.id, {CampaignStatus.SENDING}, CampaignStatus.PAUSED, paused_reason=reason)


def resume(campaign: Campaign) -> bool:
    """Paused -> sending with the failure count reset; queue a batch after committing."""
    return transition(campaign.id, {CampaignStatus.PAUSED}, CampaignStatus.SENDING, paused_reason=None,
                      consecutive_failures=0)


def cancel(campaign: Campaign) -> bool:
    """Stop for good (commits): recipients not yet sent to are skipped, saying why, and so are messages
    the ledger holds for a later try (a temporary failure), which recovery would otherwise send."""
    now = utcnow()
    campaign_id = campaign.id
    if not transition(campaign_id, {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING,
                                    CampaignStatus.PAUSED}, CampaignStatus.CANCELLED, cancelled_at=now):
        return False
    db.session.execute(update(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign_id,
                                                       CampaignRecipient.state == PENDING)
                       .values(state=RecipientState.SKIPPED.value, reason=CANCELLED_REASON, updated_at=now))
    waiting = db.session.scalars(select(Message.id).where(
        Message.source == SOURCE, Message.source_id == campaign_id, Message.status == MessageStatus.QUEUED.value))
    ledger.skip_many({message_id: CANCELLED_REASON for message_id in waiting})  # queued -> skipped only; commits
    return True


def _forget(campaign_id: int) -> None:
    if (loaded := db.session.identity_map.get(db.session.identity_key(Campaign, campaign_id))) is not None:
        db.session.expire(loaded)


# The audience ---------------------------------------------------------------------------------------

def fix_audience(campaign_id: int, *, now: datetime | None = None) -> bool:
    """Store the audience as recipients, exactly once: the first caller to set `audience_size`
    does it in the same transaction (the row stays locked until the commit), later ones find it set."""
    from oncord.campaigns import audience

    claimed = db.session.execute(update(Campaign).where(Campaign.id == campaign_id, Campaign.audience_size.is_(None))
                                 .values(audience_size=0).execution_options(synchronize_session=False)).rowcount == 1
    if not claimed:
        db.session.rollback()
        return False
    _forget(campaign_id)
    campaign = db.session.get(Campaign, campaign_id)
    contact_ids = audience.materialise(audience.Conditions.from_json(campaign.conditions), campaign.channel, now=now)
    for start in range(0, len(contact_ids), 1000):
        db.session.execute(insert(CampaignRecipient), [
            {"campaign_id": campaign_id, "contact_id": contact_id, "state": PENDING, "details": {}}
            for contact_id in contact_ids[start:start + 1000]])
    campaign.audience_size = len(contact_ids)
    db.session.commit()
    return True


# Batches --------------------------------------------------------------------------------------------

def send_batch(campaign_id: int, *, size: int | None = None) -> BatchReport:
    """Send to the next `size` pending recipients; finishes the campaign when none are left."""
    size = size or int(current_app.config["CAMPAIGN_BATCH_SIZE"])
    campaign = db.session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None or campaign.status != CampaignStatus.SENDING.value:
        return BatchReport(0, False, campaign.status if campaign else "gone")
    if campaign.audience_size is None:
        fix_audience(campaign_id)
        campaign = db.session.get(Campaign, campaign_id, populate_existing=True)
    if (until := quiet_until(campaign)) is not None:  # no texts at night: the chain waits for the morning
        return BatchReport(0, True, campaign.status, resume_at=until)
    recipients = list(db.session.execute(
        select(CampaignRecipient.id, CampaignRecipient.contact_id)
        .where(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.state == PENDING)
        .order_by(CampaignRecipient.id).limit(size)))
    if not recipients:
        return _finish(campaign_id)
    try:
        with channel_for(campaign.channel) as channel:  # a wrong password fails here, before anything is recorded
            return _send_chunks(campaign_id, recipients, channel)
    except TemporaryFailure as exc:  # could not connect: nothing was recorded, nobody was passed over
        db.session.rollback()
        pause(campaign, f"Paused by itself: it could not reach the provider. {exc.reason} "
                        "Check Settings > Messaging, then resume.")
        db.session.commit()
        return BatchReport(0, False, CampaignStatus.PAUSED.value)


def _send_chunks(campaign_id: int, recipients: list, channel) -> BatchReport:
    handled, limit = 0, int(current_app.config["CAMPAIGN_MAX_CONSECUTIVE_FAILURES"])
    campaign = db.session.get(Campaign, campaign_id)
    identity = clinic_identity()  # read once per batch, not per message
    while recipients:
        # Never more at once than the failures still allowed before pausing: a broken provider
        # or message costs at most `limit` contacts, not a whole batch.
        allowed = max(1, limit - (campaign.consecutive_failures or 0))
        chunk, recipients = recipients[:allowed], recipients[allowed:]
        done, failures = _send_to(campaign, chunk, channel, identity)
        handled += done
        _count_failures(campaign_id, failures, limit)
        db.session.commit()
        campaign = db.session.get(Campaign, campaign_id, populate_existing=True)
        if campaign.status != CampaignStatus.SENDING.value:
            return BatchReport(handled, False, campaign.status)
    if not _any_pending(campaign_id):
        return _finish(campaign_id, handled)
    return BatchReport(handled, True, campaign.status)


def _send_to(campaign: Campaign, recipients: list, channel, identity) -> tuple[int, list[tuple[bool, str | None]]]:
    """Hand the recipients' (id, contact id) messages to the ledger; returns (handled,
    [(failed?, reason)] in sending order for the auto-pause count; sent ones reset it)."""
    contacts = {c.id: c for c in db.session.scalars(select(Contact).where(
        Contact.id.in_([contact_id for _, contact_id in recipients if contact_id is not None]))
        .execution_options(populate_existing=True))}
    items, by_key, skipped, failures = [], {}, {}, []
    for recipient_id, contact_id in recipients:
        contact = contacts.get(contact_id) if contact_id is not None else None
        if contact is None:
            skipped[recipient_id] = GONE_REASON
            continue
        try:
            draft = render_draft(campaign, contact, identity)
        except TemplateError as exc:
            skipped[recipient_id] = f"The message could not be filled in for this contact: {exc}"
            failures.append((True, skipped[recipient_id]))
            continue
        key = campaign.message_key(contact.id)
        items.append((key, contact, draft))
        by_key[key] = recipient_id
    campaign_id = campaign.id
    outcomes = deliver.deliver_batch(items, kind=KIND, source=SOURCE, source_id=campaign_id, channel=channel)
    earlier = _messages_by_key([o.key for o in outcomes if o.message_id is None])
    # A crashed or parallel run recorded these; those still queued are sent now (only one sender wins each).
    waiting = [message_id for message_id, status in earlier.values() if status == MessageStatus.QUEUED.value]
    resent = {o.message_id: o for o in deliver.send_queued_batch(waiting, channel)} if waiting else {}
    done: dict[int, int] = {}
    for outcome in outcomes:
        if outcome.message_id is not None:
            done[by_key[outcome.key]] = outcome.message_id
            status, reason = outcome.status, outcome.reason
        elif outcome.key in earlier:
            message_id, _ = earlier[outcome.key]
            done[by_key[outcome.key]] = message_id
            status, reason = (resent[message_id].status, resent[message_id].reason) if message_id in resent else (None, None)
        else:
            continue
        if status in FAILED:
            failures.append((True, reason))
        elif status == MessageStatus.SENT.value:
            failures.append((False, None))
    _record(done, skipped)
    return len(done) + len(skipped), failures


def _messages_by_key(keys: list[str]) -> dict[str, tuple[int, str]]:
    if not keys:
        return {}
    return {key: (message_id, status) for message_id, key, status in db.session.execute(
        select(Message.id, Message.key, Message.status).where(Message.key.in_(keys)))}


def _record(done: dict[int, int], skipped: dict[int, str]) -> None:
    now = utcnow()
    table = CampaignRecipient.__table__
    if done:  # whatever state a cancel gave them meanwhile: these were handed to the ledger
        db.session.execute(update(table).where(table.c.id == bindparam("rid")).values(
            state=RecipientState.DONE.value, message_id=bindparam("mid"), updated_at=now),
            [{"rid": rid, "mid": mid} for rid, mid in done.items()])
    if skipped:
        db.session.execute(update(table).where(table.c.id == bindparam("rid"), table.c.state == PENDING).values(
            state=RecipientState.SKIPPED.value, reason=bindparam("why"), updated_at=now),
            [{"rid": rid, "why": why} for rid, why in skipped.items()])


def _count_failures(campaign_id: int, results: list[tuple[bool, str | None]], limit: int) -> None:
    """Failures in a row across batches; a sent message resets the count. Too many pause the campaign."""
    if not results:
        return
    campaign = db.session.get(Campaign, campaign_id, populate_existing=True)
    count, last_reason = campaign.consecutive_failures or 0, None
    for failed, reason in results:
        count = count + 1 if failed else 0
        last_reason = reason if failed else last_reason
    campaign.consecutive_failures = count
    if count >= limit:
        db.session.flush()
        pause(campaign, f"Paused by itself after {count} sends in a row failed. The last one: "
                        f"{last_reason or 'no reason was given'} Fix the cause (often Settings > Messaging), "
                        "then resume.")


def _any_pending(campaign_id: int) -> bool:
    return db.session.scalar(select(CampaignRecipient.id).where(
        CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.state == PENDING).limit(1)) is not None


def _finish(campaign_id: int, handled: int = 0) -> BatchReport:
    transition(campaign_id, {CampaignStatus.SENDING}, CampaignStatus.FINISHED, finished_at=utcnow())
    db.session.commit()
    status = db.session.get(Campaign, campaign_id, populate_existing=True).status
    return BatchReport(handled, False, status)
