"""Channels hand drafts to a provider (or, in outbox mode, to no one), all alike.

A channel is a context manager so a batch reuses one connection:

    with channel_for("email") as channel:
        receipt = channel.send(draft)

`send` returns a `Receipt` or raises `PermanentFailure` (never retry) or `TemporaryFailure`
(retry allowed: the provider certainly did not take the message). Anything else it raises
means "perhaps sent". SMTP (`channels/smtp.py`) and Twilio channels plug in to `channel_for`.
"""
from __future__ import annotations

from importlib import import_module
from typing import Protocol

from flask import current_app

from oncord.messaging.drafts import Draft, Receipt
from oncord.messaging.settings import EffectiveSettings, effective_settings


class PermanentFailure(Exception):
    """The provider refused this message (a refused recipient, an invalid number): mark it failed."""

    def __init__(self, reason: str, code: str | None = None):
        super().__init__(reason)
        self.reason, self.code = reason, code


class TemporaryFailure(Exception):
    """Nothing was handed over (no connection, a drop before the message was sent): retry is safe."""

    def __init__(self, reason: str, code: str | None = None):
        super().__init__(reason)
        self.reason, self.code = reason, code


class Channel(Protocol):
    name: str  # what the ledger records in `messages.via`: "outbox", "smtp", "twilio"

    def __enter__(self) -> "Channel": ...

    def __exit__(self, *exc) -> None: ...

    def send(self, draft: Draft) -> Receipt: ...


def channel_for(channel: str, settings: EffectiveSettings | None = None) -> Channel:
    """The channel the settings choose for "email" or "sms": outbox until a provider is configured."""
    from oncord.messaging.channels.outbox import OutboxChannel

    if channel not in ("email", "sms"):
        raise ValueError(f"unknown channel {channel!r}")
    settings = settings or effective_settings()
    if test_channel := current_app.config.get("MESSAGING_TEST_CHANNEL"):
        module, _, name = test_channel.partition(":")
        return getattr(import_module(module), name)(settings, channel)
    if settings.outbox(channel):
        return OutboxChannel(settings)
    if channel == "sms":
        from oncord.messaging.channels.twilio import TwilioChannel

        return TwilioChannel(settings)
    from oncord.messaging.channels.smtp import SmtpChannel

    return SmtpChannel(settings, ca_file=current_app.config.get("SMTP_CA_FILE"),
                       timeout=float(current_app.config.get("SMTP_TIMEOUT_SECONDS", 30)))
