"""The exact email SMTP sends: outbox mode builds the same bytes, so what staff see is what goes."""
from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from oncord.messaging.drafts import EmailDraft
from oncord.messaging.settings import EffectiveSettings
from oncord.timestamps import utcnow

FALLBACK_FROM = "oncord@localhost"  # outbox mode before a From address is set


def build_email_message(draft: EmailDraft, settings: EffectiveSettings) -> EmailMessage:
    """multipart/alternative (text, then HTML) with From, To, Subject, Date, Message-ID and extras."""
    message = EmailMessage()
    sender = settings.from_address or FALLBACK_FROM
    message["From"] = Address(settings.from_name or settings.clinic_name or "", addr_spec=sender)
    message["To"] = draft.to
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Subject"] = draft.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = draft.headers.get("Message-ID") or make_msgid(domain=sender.rpartition("@")[2])
    for name, value in draft.headers.items():
        if name.lower() != "message-id":
            message[name] = value
    message.set_content(draft.text)
    if draft.html:
        message.add_alternative(draft.html, subtype="html")
    return message


def headers_of(message: EmailMessage) -> dict[str, str]:
    """The top-level headers as sent, for the ledger (MIME structure headers included)."""
    return {name: str(value) for name, value in message.items()}
