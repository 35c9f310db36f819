"""What a channel is asked to send, and what the provider answered."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class EmailDraft:
    """A rendered email. From and Reply-To come from the settings, filled in by the channel."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # extra headers, e.g. List-Unsubscribe

    channel = "email"


@dataclass(frozen=True, slots=True)
class SmsDraft:
    to: str  # E.164
    body: str

    channel = "sms"


Draft = EmailDraft | SmsDraft


@dataclass(frozen=True, slots=True)
class Receipt:
    """A provider took the message: its id (Message-ID, Twilio SID) and its words."""

    provider_id: str
    answer: str
    headers: dict[str, str] | None = None  # the headers exactly as sent (email)
