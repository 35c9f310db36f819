"""The one way to send: record, re-check, mark sending, send, mark. Never twice per key."""
from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass

from sqlalchemy import select

from oncord.extensions import db
from oncord.messaging import eligibility, ledger, unsubscribe
from oncord.messaging.channels import Channel, PermanentFailure, TemporaryFailure, channel_for
from oncord.messaging.drafts import Draft
from oncord.models import Campaign, CampaignStatus, Contact, Message, MessageStatus
from oncord.timestamps import utcnow

log = logging.getLogger(__name__)
UNKNOWN_ERROR = ("An unexpected error happened while sending, so it may or may not have been sent. "
                 "It is not sent again.")


def deliver(key: str, contact: Contact | None, draft: Draft, *, kind: str, source: str,
            source_id: int | None = None, channel: Channel | None = None) -> Message | None:
    """Send `draft` once under `key`; None when the key was seen before (sent, skipped or uncertain).

    `channel`: an open channel to reuse across a batch; by default one is opened for this message.
    The returned row says what happened: sent, skipped (with the reason), failed, or queued
    again after a temporary failure (recovery sends it later).
    """
    draft = unsubscribe.with_unsubscribe_headers(draft, contact, kind, key)  # recorded as they will be sent
    try:
        message = ledger.claim(key, draft, contact=contact, kind=kind, source=source, source_id=source_id)
    except ledger.AlreadyClaimed:
        return None
    send_claimed(message, contact, channel)
    return message


def send_queued(message_id: int) -> Message | None:
    """Send a row recorded as "queued" earlier (the RQ job's work); safe to run twice or at once."""
    message = db.session.get(Message, message_id)
    if message is None or message.status != MessageStatus.QUEUED.value or held([message.id]):
        return message
    contact = db.session.get(Contact, message.contact_id) if message.contact_id else None
    send_claimed(message, contact)
    return message


def held(message_ids: list[int]) -> set[int]:
    """Which of these messages wait for staff: a campaign's message waiting for a retry (a temporary
    failure) stays queued while its campaign is paused; recovery sends it after a resume, a cancel
    skips it."""
    if not message_ids:
        return set()
    return set(db.session.scalars(select(Message.id).join(Campaign, Campaign.id == Message.source_id).where(
        Message.id.in_(message_ids), Message.source == "campaign", Campaign.status == CampaignStatus.PAUSED.value)))


def send_claimed(message: Message, contact: Contact | None, channel: Channel | None = None) -> None:
    """Check eligibility again, then hand the recorded message to the channel, at most once."""
    if reason := eligibility.why_not(contact, message.channel, message.kind, address=message.address):
        ledger.mark_skipped(message, reason)
        return
    # Rows recorded without deliver() get them here: no marketing email goes without its unsubscribe link.
    draft = unsubscribe.with_unsubscribe_headers(ledger.draft_of(message), contact, message.kind, message.key)
    # Connecting first: a provider that cannot be reached leaves the row queued, safe to retry.
    with (nullcontext(channel) if channel is not None else channel_for(message.channel)) as open_channel:
        if not ledger.start_sending(message, via=open_channel.name):
            return  # another worker has it
        try:
            receipt = open_channel.send(draft)  # the one side effect outside the database
        except PermanentFailure as exc:
            ledger.mark_failed(message, exc.reason, exc.code)
        except TemporaryFailure as exc:
            ledger.requeue(message, f"Will try again: {exc.reason}")
        except Exception:
            # The provider may have taken it before the error: never send it again.
            log.exception("sending message %s failed in an unknown way; marked uncertain", message.id)
            ledger.mark_uncertain(message, UNKNOWN_ERROR)
        else:
            ledger.mark_sent(message, receipt)  # a crash before this commit leaves "sending"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one message of a batch; `message_id` None: its key was seen before, nothing sent."""

    key: str
    message_id: int | None
    status: str | None
    reason: str | None = None


def deliver_batch(items: list[tuple[str, Contact | None, Draft]], *, kind: str, source: str,
                  source_id: int | None = None, channel: Channel | None = None,
                  per_commit: int = 1) -> list[Outcome]:
    """`deliver` for many (key, contact, draft) at once, as campaigns send: the same rules, fewer commits.

    All claims are recorded in one commit, eligibility is checked again for the whole batch
    with one suppression query, then each message is marked "sending" (committed) before the
    provider has it and "sent" after, over one open channel. Keys seen before are not sent.
    `per_commit`: see `_hand_over` (1, the default, leaves at most one message uncertain after a crash).
    """
    drafts = [(key, unsubscribe.with_unsubscribe_headers(draft, contact, kind, key), contact)
              for key, contact, draft in items]
    contact_ids = [contact.id if contact is not None else None for _, _, contact in drafts]  # before the commit
    claimed = ledger.claim_many(drafts, kind=kind, source=source, source_id=source_id)
    rows = [(claimed[key], key, kind, draft, contact_id)
            for (key, draft, _), contact_id in zip(drafts, contact_ids) if key in claimed]
    outcomes = {o.key: o for o in _send_many(rows, channel, per_commit)}
    return [outcomes.get(key) or Outcome(key, None, None) for key, _, _ in items]


def send_queued_batch(message_ids: list[int], channel: Channel | None = None, per_commit: int = 1) -> list[Outcome]:
    """`send_queued` for many rows recorded earlier, over one channel; safe to run twice or at once."""
    columns = (Message.id, Message.key, Message.kind, Message.contact_id, Message.channel, Message.address,
               Message.subject, Message.body_text, Message.body_html, Message.headers)
    found = list(db.session.execute(select(*columns).where(Message.id.in_(message_ids),
                                                           Message.status == MessageStatus.QUEUED.value)
                                    .order_by(Message.id)))
    contacts = _contacts({row.contact_id for row in found})
    rows = []
    for row in found:
        contact = contacts.get(row.contact_id)
        draft = unsubscribe.with_unsubscribe_headers(ledger.draft_of(row), contact, row.kind, row.key)
        rows.append((row.id, row.key, row.kind, draft, row.contact_id))
    return _send_many(rows, channel, per_commit)


def _contacts(ids: set[int | None]) -> dict[int, Contact]:
    """The batch's contacts read afresh in one query (their consent may have changed since the claim)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Contact).where(Contact.id.in_(ids))
                                                .execution_options(populate_existing=True))}


def _send_many(rows: list[tuple[int, str, str, Draft, int | None]], channel: Channel | None,
               per_commit: int = 1) -> list[Outcome]:
    """Check every claimed row again (its contact read afresh), then send the eligible ones, each
    "sending" before the provider has it. Rows: (message id, key, kind, draft, contact id)."""
    if not rows:
        return []
    contacts = _contacts({contact_id for *_, contact_id in rows})
    rows = [(i, key, kind, draft, contacts.get(contact_id) if contact_id is not None else None)
            for i, key, kind, draft, contact_id in rows]
    outcomes, skipped, eligible = [], {}, []
    for channel_name in {draft.channel for *_, draft, _ in rows}:
        for kind in {kind for _, _, kind, draft, _ in rows if draft.channel == channel_name}:
            group = [row for row in rows if row[3].channel == channel_name and row[2] == kind]
            reasons = eligibility.why_not_many([(contact, draft.to) for *_, draft, contact in group],
                                               channel_name, kind)
            for row, reason in zip(group, reasons):
                if reason:
                    skipped[row[0]] = reason
                    outcomes.append(Outcome(row[1], row[0], MessageStatus.SKIPPED.value, reason))
                else:
                    eligible.append(row)
    if skipped:
        ledger.skip_many(skipped)
    for channel_name in {row[3].channel for row in eligible}:
        group = sorted((row for row in eligible if row[3].channel == channel_name), key=lambda row: row[0])
        with (nullcontext(channel) if channel is not None else channel_for(channel_name)) as open_channel:
            outcomes += _hand_over(group, open_channel, per_commit)
    return outcomes


def _hand_over(rows: list[tuple[int, str, str, Draft, Contact | None]], channel: Channel,
               per_commit: int = 1) -> list[Outcome]:
    """Send one by one; the commit that marks a message "sending" also records the previous results.

    A crash after the provider took a message and before that commit leaves it "sending"
    (recovery makes it uncertain, never resends it); the next one is still "queued". A channel
    that `overlaps_handover` (SMTP) makes that commit while the server reads MAIL FROM, before
    the message text is sent. The transitions run on a connection of their own, straight on the
    driver (`ledger.DriverLedger`): no ORM objects to expire at each commit.

    `per_commit` > 1 marks that many "sending" in one commit and records their results in the
    next: still never twice, but a crash then leaves up to that many uncertain (some of them
    perhaps never sent). For databases where a durable commit is slow (PostgreSQL).
    """
    db.session.commit()  # nothing of the session's stays open while the batch writes
    outcomes: list[Outcome] = []
    size = max(1, per_commit)
    overlaps = getattr(channel, "overlaps_handover", False)
    with ledger.DriverLedger(db.engine) as connection:
        results: list[tuple] = []  # (statement, parameters) waiting for the next commit
        marked = {"chunk": -1, "started": set()}  # the chunk last marked "sending", and which of it started

        def mark(position: int) -> bool:
            """Before rows[position] is handed over: its chunk marked "sending" (with the waiting results)
            and committed; True when this worker has the row."""
            chunk = position // size
            if marked["chunk"] != chunk:
                now = utcnow()
                for statement, parameters in results:
                    connection.execute(statement, parameters)
                results.clear()
                marked["chunk"], marked["started"] = chunk, {
                    row[0] for row in rows[chunk * size:(chunk + 1) * size]
                    if connection.execute(ledger.START, {"message_id": row[0], "now": now,
                                                         "via": channel.name}) == 1}
                connection.commit()
            return rows[position][0] in marked["started"]

        for position, (message_id, key, _kind, draft, _contact) in enumerate(rows):
            try:
                if overlaps:
                    following = rows[position + 1][3] if position + 1 < len(rows) else None
                    receipt = channel.send(draft, before_handover=lambda: mark(position), next_draft=following)
                else:
                    receipt = channel.send(draft) if mark(position) else None  # the one side effect outside
            except PermanentFailure as exc:
                results.append((ledger.FAILED, {"message_id": message_id, "now": utcnow(), "reason": exc.reason,
                                                "code": exc.code}))
                outcomes.append(Outcome(key, message_id, MessageStatus.FAILED.value, exc.reason))
            except TemporaryFailure as exc:
                # Nothing was handed over and the provider is out of reach: the rest wait, queued, for recovery.
                reason = f"Will try again: {exc.reason}"
                for statement, parameters in results:
                    connection.execute(statement, parameters)
                waiting = [row for number, row in enumerate(rows[position:], position)  # not another worker's
                           if number // size != marked["chunk"] or row[0] in marked["started"]]
                for row in waiting:  # only the ones marked "sending" move (REQUEUE is conditional)
                    connection.execute(ledger.REQUEUE, {"message_id": row[0], "now": utcnow(), "reason": reason})
                connection.commit()
                return outcomes + [Outcome(row[1], row[0], MessageStatus.QUEUED.value, reason) for row in waiting]
            except Exception:
                log.exception("sending message %s failed in an unknown way; marked uncertain", message_id)
                results.append((ledger.UNCERTAIN, {"message_id": message_id, "now": utcnow(),
                                                   "reason": UNKNOWN_ERROR}))
                outcomes.append(Outcome(key, message_id, MessageStatus.UNCERTAIN.value, UNKNOWN_ERROR))
            else:
                if receipt is None:
                    outcomes.append(Outcome(key, message_id, None, "Another worker is sending it."))
                else:
                    results.append(ledger.sent_statement(message_id, receipt))
                    outcomes.append(Outcome(key, message_id, MessageStatus.SENT.value))
        for statement, parameters in results:
            connection.execute(statement, parameters)
        connection.commit()
    return outcomes
