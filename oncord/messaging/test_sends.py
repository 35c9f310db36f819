"""Test email and test SMS from Settings > Messaging and the command line.

They go through `deliver()` like any message (kind "test", a fresh key), so they land in the
ledger; the connection is opened first, so a wrong host or password records nothing. The
result is one sentence staff can act on: the server's answer, or what went wrong.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import phonenumbers

from oncord.messaging import ledger
from oncord.messaging.channels import TemporaryFailure, channel_for
from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import EmailDraft, SmsDraft
from oncord.messaging.settings import EffectiveSettings, SettingsError, effective_settings
from oncord.models import Message, MessageStatus

TEST_SUBJECT = "Test email from oncord"


class TestSendFailed(Exception):
    """The test did not go; the message says why in one sentence."""

    __test__ = False  # not a pytest class


@dataclass(frozen=True)
class TestSent:
    __test__ = False

    message: Message
    answer: str  # the provider's answer, e.g. "250 2.0.0 Ok: queued as 4F2A1"
    outbox: bool  # recorded only: nothing left the machine


def send_test_email(to: str) -> TestSent:
    settings = _settings()
    name = settings.clinic_name or settings.from_name or "your clinic"
    draft = EmailDraft(to=to, subject=TEST_SUBJECT,
                       text=f"This is a test email from oncord for {name}. If you can read it, email sending works.",
                       html=f"<p>This is a test email from oncord for {_escape(name)}.</p>"
                            "<p>If you can read it, email sending works.</p>")
    return _send("email", draft, settings)


def send_test_sms(to: str) -> TestSent:
    settings = _settings()
    return _send("sms", SmsDraft(to=normalise_mobile(to), body="Test SMS from oncord: SMS sending works."), settings)


def normalise_mobile(number: str) -> str:
    """E.164 (+61412345678) or refuse with the format staff should type."""
    try:
        parsed = phonenumbers.parse((number or "").strip(), None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise TestSendFailed("Enter the mobile number in international format, e.g. +61412345678.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _settings() -> EffectiveSettings:
    try:
        return effective_settings()
    except SettingsError as exc:
        raise TestSendFailed(str(exc)) from None


def _send(channel_name: str, draft, settings: EffectiveSettings) -> TestSent:
    key = f"test:{channel_name}:{uuid.uuid4()}"
    try:
        with channel_for(channel_name, settings) as channel:  # connect, TLS and login fail here
            message = deliver(key, None, draft, kind="test", source="test", channel=channel)
    except TemporaryFailure as exc:
        raise TestSendFailed(exc.reason) from None
    status = message.status
    if status == MessageStatus.SENT.value:
        return TestSent(message, message.provider_answer or "", outbox=message.via == "outbox")
    if status == MessageStatus.QUEUED.value:  # a temporary refusal: a test is never retried later
        ledger.mark_failed(message, (message.reason or "").removeprefix("Will try again: ")
                           or "The provider could not take it now.")
    raise TestSendFailed(message.reason or "It may or may not have been sent.")


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
