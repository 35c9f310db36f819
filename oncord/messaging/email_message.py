"""The exact email SMTP sends: outbox mode builds the same bytes, so what staff see is what goes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.contentmanager import _encode_text  # the stdlib's own choice of 7bit / quoted-printable / base64
from email.generator import Generator
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
        if _verbatim(name, value):
            message.set_raw(name, value)  # written as it is (SMTP_POLICY does not refold raw headers)
        elif name.lower() != "message-id":
            message[name] = value
    message.set_content(draft.text)
    if draft.html:
        message.add_alternative(draft.html, subtype="html")
    return message


def _verbatim(name: str, value: str) -> bool:
    """List-Unsubscribe carries a URL that mail providers read as it is (RFC 2369, RFC 8058): the
    `email` package would turn a long one into encoded words (=?utf-8?q?...?=), which they cannot
    read, so it goes unfolded on one line (RFC 5322 allows 998 characters)."""
    return (name.lower() in ("list-unsubscribe", "list-unsubscribe-post") and value.isascii()
            and "\r" not in value and "\n" not in value and "=?" not in value and len(name) + 2 + len(value) <= 998)


def headers_of(message: EmailMessage) -> dict[str, str]:
    """The top-level headers as sent, for the ledger (MIME structure headers included)."""
    return {name: str(value) for name, value in message.items()}


# -- The wire bytes, fast ------------------------------------------------------------------------
# `build_email_message` spends most of its time parsing each header into the `email` package's
# header objects and folding them again on output (about 12 ms a message on the shared machine,
# more than the SMTP transaction). `build_email` writes the same bytes directly for the usual
# case: short ASCII headers that need no folding or encoding. Any other header (a non-ASCII
# subject, a long List-Unsubscribe URL) is parsed and folded by the `email` package on its
# own, and an international address takes the whole slow way, so the output is always what
# `build_email_message` would give (tests/messaging/test_email_bytes.py compares them).

SMTP_POLICY = policy.default.clone(linesep="\r\n", refold_source="none")
SIMPLE_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                            r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\Z")
_SIMPLE_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_SIMPLE_TEXT = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*\Z")  # printable ASCII, single spaces, no edges
_PARSED_HEADERS = frozenset(policy.default.header_factory.registry)  # headers the email package rewrites


@dataclass(frozen=True, slots=True)
class BuiltEmail:
    """An email ready for SMTP's DATA (CRLF lines, not yet dot-stuffed) and what the ledger records."""

    data: bytes
    headers: dict[str, str]  # the top-level headers as sent, as `headers_of` gives them
    message_id: str
    sender: str  # the envelope sender (the From address)


def build_email(draft: EmailDraft, settings: EffectiveSettings, *, utf8: bool = False) -> BuiltEmail:
    """The bytes `build_email_message(draft, settings).as_bytes(policy=SMTP_POLICY)` would give.

    `utf8`: SMTPUTF8 (an international address): always through the `email` package.
    """
    sender = settings.from_address or FALLBACK_FROM
    if utf8:
        return _build_slowly(draft, settings, utf8)
    name = settings.from_name or settings.clinic_name or ""
    message_id = draft.headers.get("Message-ID") or make_msgid(domain=sender.rpartition("@")[2])
    simple_from = SIMPLE_ADDRESS.match(sender) and (not name or _SIMPLE_NAME.match(name))
    top = [("From", (f"{name} <{sender}>" if name else sender) if simple_from else
            Address(name, addr_spec=sender)), ("To", draft.to)]
    if settings.reply_to:
        top.append(("Reply-To", settings.reply_to))
    top += [("Subject", draft.subject), ("Date", format_datetime(utcnow())), ("Message-ID", message_id)]
    extras = [(k, v) for k, v in draft.headers.items() if k.lower() != "message-id"]
    if len({field.lower() for field, _ in top + extras}) < len(top + extras):
        return _build_slowly(draft, settings, utf8)  # a repeated header: as the email package has it
    lines, headers = [], {}
    for n, (field, value) in enumerate(top + extras):
        simple = SIMPLE_ADDRESS if field in ("To", "Reply-To") else _SIMPLE_TEXT
        line = f"{field}: {value}"
        if n >= len(top) and _verbatim(field, value):
            lines.append(line)
            headers[field] = value
        elif (isinstance(value, str) and len(line) <= policy.default.max_line_length and simple.match(value)
                and "=?" not in value and (n < len(top) or field.lower() not in _PARSED_HEADERS)):
            lines.append(line)
            headers[field] = value
        else:  # folding, encoding or a header the email package rewrites: its own code, for this header
            header = policy.default.header_store_parse(field, value)[1]
            lines.append(header.fold(policy=policy.default).removesuffix("\n"))
            headers[field] = str(header)
    text_cte, text = _encode_text(draft.text, "utf-8", None, policy.default)
    if not draft.html:
        lines += ['Content-Type: text/plain; charset="utf-8"', f"Content-Transfer-Encoding: {text_cte}",
                  "MIME-Version: 1.0"]
        headers |= {"Content-Type": 'text/plain; charset="utf-8"', "Content-Transfer-Encoding": text_cte,
                    "MIME-Version": "1.0"}
        return BuiltEmail(_crlf("\n".join(lines) + "\n\n" + text), headers, headers["Message-ID"], sender)
    html_cte, html = _encode_text(draft.html, "utf-8", None, policy.default)
    boundary = Generator._make_boundary()  # the generator's own random boundary
    if f"--{boundary}" in text or f"--{boundary}" in html:
        return _build_slowly(draft, settings, utf8)  # it occurs in a body (never, in practice): the generator's way
    lines += ["MIME-Version: 1.0", f'Content-Type: multipart/alternative;\n boundary="{boundary}"']
    headers |= {"MIME-Version": "1.0", "Content-Type": f'multipart/alternative; boundary="{boundary}"'}
    body = (f"\n--{boundary}\nContent-Type: text/plain; charset=\"utf-8\"\n"
            f"Content-Transfer-Encoding: {text_cte}\n\n{text}"
            f"\n--{boundary}\nContent-Type: text/html; charset=\"utf-8\"\n"
            f"Content-Transfer-Encoding: {html_cte}\nMIME-Version: 1.0\n\n{html}"
            f"\n--{boundary}--\n")
    return BuiltEmail(_crlf("\n".join(lines) + "\n" + body), headers, headers["Message-ID"], sender)


def _build_slowly(draft: EmailDraft, settings: EffectiveSettings, utf8: bool) -> BuiltEmail:
    message = build_email_message(draft, settings)
    data = message.as_bytes(policy=SMTP_POLICY.clone(utf8=utf8))  # fills in the boundary too
    return BuiltEmail(data, headers_of(message), str(message["Message-ID"]),
                      message["From"].addresses[0].addr_spec)


def _crlf(text: str) -> bytes:
    """The generator writes every line with CRLF."""
    return "\r\n".join(text.split("\n")).encode("ascii", "surrogateescape")  # 8bit bodies: their own bytes
