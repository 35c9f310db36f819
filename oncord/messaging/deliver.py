"""The one way to send: record, re-check, mark sending, send, mark. Never twice per key."""
from __future__ import annotations

import logging
from contextlib import nullcontext

from oncord.extensions import db
from oncord.messaging import eligibility, ledger, unsubscribe
from oncord.messaging.channels import Channel, PermanentFailure, TemporaryFailure, channel_for
from oncord.messaging.drafts import Draft
from oncord.models import Contact, Message, MessageStatus

log = logging.getLogger(__name__)


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
    if message is None or message.status != MessageStatus.QUEUED.value:
        return message
    contact = db.session.get(Contact, message.contact_id) if message.contact_id else None
    send_claimed(message, contact)
    return message


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
            ledger.mark_uncertain(message, "An unexpected error happened while sending, so it may or may not "
                                           "have been sent. It is not sent again.")
        else:
            ledger.mark_sent(message, receipt)  # a crash before this commit leaves "sending"
