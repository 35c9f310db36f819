"""Reading the consent ledger back: the contact page's history and the CSV export, in staff words.

The export is the clinic's proof of consent (New Zealand puts that burden on the sender), so it
holds every row, with the contact's name and email as they are now and the Cliniko patient id.
"""
from __future__ import annotations

import csv
import io
import json
from sqlalchemy import func, select

from oncord.extensions import db
from oncord.models import ConsentChange, ConsentSource, Contact, User

SOURCE_WORDS = {
    ConsentSource.CONTACT_CREATED.value: "Contact added",
    ConsentSource.CLINIKO_PULL.value: "From Cliniko",
    ConsentSource.STAFF.value: "Changed by staff",
    ConsentSource.UNSUBSCRIBE_PAGE.value: "Unsubscribe link in an email",
    ConsentSource.ONE_CLICK.value: "Unsubscribe button in their email app",
    ConsentSource.SMS_KEYWORD.value: "Text message reply",
    ConsentSource.PROVIDER.value: "Twilio refused to text them (they had replied STOP)",
    ConsentSource.ERASE.value: "Erased from oncord",
}
CHANNEL_WORDS = {"email": "Email", "sms": "SMS"}
CSV_COLUMNS = ("When (UTC)", "Contact id", "Cliniko patient id", "First name", "Last name", "Email", "Channel",
               "Old status", "New status", "Source", "Staff member", "Evidence", "Cliniko told at (UTC)")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def history(contact_id: int, limit: int = 200) -> list[ConsentChange]:
    """The contact's changes, newest first."""
    return list(db.session.scalars(select(ConsentChange).where(ConsentChange.contact_id == contact_id)
                                   .order_by(ConsentChange.created_at.desc(), ConsentChange.id.desc()).limit(limit)))


def source_words(source: str) -> str:
    return SOURCE_WORDS.get(source, source.replace("_", " ").capitalize())


def status_words(status: str | None) -> str:
    return status.capitalize() if status else "None"


def evidence_summary(change: ConsentChange, staff_name: str | None = None) -> str:
    """One line a person can read: who, from which message, address and browser."""
    evidence, parts = change.evidence or {}, []
    if staff_name:
        parts.append(staff_name)
    if evidence.get("message_id"):
        parts.append(f"message #{evidence['message_id']}")
    elif evidence.get("message_key"):
        parts.append(f"message {evidence['message_key']}")
    if evidence.get("body") is not None:  # an SMS keyword: what they texted, and Twilio's id for it
        parts.append(f"replied “{_short(str(evidence['body']).strip(), 40)}”")
    if evidence.get("twilio_error"):
        parts.append(f"Twilio error {evidence['twilio_error']}")
    for name in ("inbound_sid", "inbound_sms_id", "ip_address", "sync_run_id"):
        if evidence.get(name):
            parts.append(f"{'sync run ' if name == 'sync_run_id' else ''}{evidence[name]}")
    if evidence.get("user_agent"):
        parts.append(_short(evidence["user_agent"], 60))
    return " · ".join(str(p) for p in parts)


def staff_names(changes: list[ConsentChange]) -> dict[int, str]:
    ids = {c.user_id for c in changes if c.user_id}
    if not ids:
        return {}
    return {user.id: user.name or user.email for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def csv_header() -> str:
    return _csv_text([CSV_COLUMNS])


def csv_page(after_id: int = 0, size: int = 500) -> tuple[str, int | None]:
    """The CSV lines of the next `size` changes after `after_id` (oldest first), and the last id
    read (None at the end). Pages, so a download never holds one transaction open for long."""
    query = (select(ConsentChange, Contact.first_name, Contact.last_name, Contact.email,
                    func.coalesce(ConsentChange.cliniko_patient_id, Contact.cliniko_patient_id), User.email)
             .outerjoin(Contact, Contact.id == ConsentChange.contact_id)
             .outerjoin(User, User.id == ConsentChange.user_id)
             .where(ConsentChange.id > after_id).order_by(ConsentChange.id).limit(size))
    rows = db.session.execute(query).all()
    if not rows:
        return "", None
    return _csv_text([
        [_utc(change.created_at), change.contact_id, patient_id, first, last, email,
         CHANNEL_WORDS.get(change.channel, change.channel), status_words(change.old_status),
         status_words(change.new_status), source_words(change.source), staff,
         json.dumps(change.evidence or {}, sort_keys=True), _utc(change.cliniko_told_at)]
        for change, first, last, email, patient_id, staff in rows]), rows[-1][0].id


def _csv_text(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def safe_cell(value) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: a leading ' keeps them text."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _utc(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
