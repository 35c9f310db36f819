"""Unsubscribe links: signed tokens naming a contact, a channel and the message that carried them.

A token never expires (a patient may find a two-year-old email and must still be able to say
no), so it is signed without a timestamp, salted "unsubscribe", with a key derived from
SECRET_KEY as Flask does for its cookies (older keys in SECRET_KEY_FALLBACKS still verify).
Every marketing email carries the link in its body (the `unsubscribe_url` merge field) and in
`List-Unsubscribe` / `List-Unsubscribe-Post` (RFC 8058 one-click), added by `deliver`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from oncord.extensions import db
from oncord.messaging import consent, sms_text
from oncord.messaging.drafts import Draft, EmailDraft, SmsDraft
from oncord.models import ConsentChange, ConsentSource, ConsentStatus, Contact, Message
from oncord.urls import external_url

SALT = "unsubscribe"
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"  # RFC 8058: the exact POST body mail clients send
CHANNEL_WORDS = {"email": "marketing emails", "sms": "marketing text messages"}


class BadToken(ValueError):
    """A token that was not made here, or was changed on the way."""


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """What a valid token says: whose, which channel, and the message it came in (its key)."""

    contact_id: int
    channel: str
    message_key: str | None


def _serializer() -> URLSafeSerializer:
    keys = [*(current_app.config.get("SECRET_KEY_FALLBACKS") or ()), current_app.secret_key]
    return URLSafeSerializer(keys, salt=SALT,
                             signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256})


def make_token(contact: Contact | int, channel: str, message_key: str | None = None) -> str:
    contact_id = contact if isinstance(contact, int) else contact.id
    if channel not in consent.CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    return _serializer().dumps([contact_id, channel, message_key])


def read_token(token: str) -> Unsubscribe:
    """The token's contents; `BadToken` for anything tampered with or malformed."""
    try:
        contact_id, channel, message_key = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise BadToken("not a valid unsubscribe link") from exc
    if (not isinstance(contact_id, int) or isinstance(contact_id, bool) or channel not in consent.CHANNELS
            or not (message_key is None or isinstance(message_key, str))):
        raise BadToken("not a valid unsubscribe link")
    return Unsubscribe(contact_id, channel, message_key)


def unsubscribe_url(contact: Contact | int, message_key: str | None = None, channel: str = "email") -> str:
    """The confirm page's absolute address, for an email's footer (or an SMS)."""
    return external_url("unsubscribe.confirm", token=make_token(contact, channel, message_key))


def one_click_url(contact: Contact | int, message_key: str | None = None, channel: str = "email") -> str:
    return external_url("unsubscribe.one_click", token=make_token(contact, channel, message_key))


def unsubscribe_headers(contact: Contact | int, message_key: str | None = None) -> dict[str, str]:
    """RFC 8058: the https one-click address, and the POST body mail clients should send to it."""
    return {"List-Unsubscribe": f"<{one_click_url(contact, message_key)}>",
            "List-Unsubscribe-Post": ONE_CLICK_BODY}


def with_unsubscribe_headers(draft: Draft, contact: Contact | None, kind: str, message_key: str) -> Draft:
    """A marketing message gets its way out: an email the List-Unsubscribe headers, an SMS the
    opt-out wording at the end (once; Settings > Messaging's wording). Anything else is unchanged."""
    if kind != "marketing":
        return draft
    if isinstance(draft, SmsDraft):
        from oncord.messaging.settings import effective_settings

        return replace(draft, body=sms_text.with_opt_out(draft.body, effective_settings().sms_opt_out_wording))
    if contact is None or contact.id is None:
        return draft
    return replace(draft, headers={**draft.headers, **unsubscribe_headers(contact, message_key)})


def contact_of(request: Unsubscribe) -> Contact | None:
    return db.session.get(Contact, request.contact_id)


def is_unsubscribed(contact: Contact, channel: str) -> bool:
    return getattr(contact, f"{channel}_status") == ConsentStatus.UNSUBSCRIBED.value


def apply(request: Unsubscribe, contact: Contact, *, source: ConsentSource, ip_address: str | None,
          user_agent: str | None) -> ConsentChange | None:
    """Unsubscribe with the web request's evidence; None when the contact already was. Caller commits."""
    evidence = {"message_key": request.message_key, "ip_address": ip_address, "user_agent": (user_agent or "")[:300]}
    if request.message_key and (message_id := db.session.scalar(
            db.select(Message.id).where(Message.key == request.message_key))):
        evidence["message_id"] = message_id
    return consent.unsubscribe(contact, request.channel, source=source, evidence=evidence)


def clinic_name() -> str:
    """Who the patient is saying no to: the sender identity, else the Cliniko account's name."""
    from oncord.messaging.settings import effective_settings
    from oncord.sync.connection import get_connection

    if name := effective_settings().clinic_name:
        return name
    connection = get_connection()
    return (connection.account_name if connection else None) or "our clinic"
