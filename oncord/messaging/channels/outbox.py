"""Outbox mode: render and record exactly what would be sent; nothing leaves the machine."""
from __future__ import annotations

import uuid

from oncord.messaging.drafts import Draft, EmailDraft, Receipt
from oncord.messaging.email_message import build_email
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
            built = build_email(draft, self.settings)  # the bytes SMTP would send, so the headers are theirs
            return Receipt(provider_id=built.message_id, answer=ANSWER, headers=built.headers)
        return Receipt(provider_id=f"outbox-{uuid.uuid4()}", answer=ANSWER)
