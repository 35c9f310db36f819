"""Outbox mode: render and record exactly what would be sent; nothing leaves the machine."""
from __future__ import annotations

import uuid

from oncord.messaging.drafts import Draft, EmailDraft, Receipt
from oncord.messaging.email_message import build_email_message, headers_of
from oncord.messaging.settings import EffectiveSettings

ANSWER = "Recorded in the outbox; nothing was sent (no provider is set up yet)."


class OutboxChannel:
    name = "outbox"

    def __init__(self, settings: EffectiveSettings):
        self.settings = settings

    def __enter__(self) -> "OutboxChannel":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send(self, draft: Draft) -> Receipt:
        if isinstance(draft, EmailDraft):
            message = build_email_message(draft, self.settings)
            return Receipt(provider_id=message["Message-ID"], answer=ANSWER, headers=headers_of(message))
        return Receipt(provider_id=f"outbox-{uuid.uuid4()}", answer=ANSWER)
