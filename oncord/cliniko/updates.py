"""Request bodies for PATCH: only the fields given, in the shape Cliniko's spec asks for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from .parsing import format_id
from .records import PHONE_TYPES, PRONOUN_KEYS, PhoneNumber, Pronouns

# The spec's UpdatePatient body, plus accepted_sms_marketing (writable per the API docs).
# Read-only fields (gender, label, archived_at, ...) are refused rather than silently dropped.
WRITABLE_PATIENT_FIELDS = frozenset({
    "accepted_email_marketing", "accepted_privacy_policy", "accepted_sms_marketing",
    "address_1", "address_2", "address_3", "appointment_notes", "city", "concession_type_id",
    "country", "country_code", "custom_fields", "date_of_birth", "dva_card_number", "email",
    "emergency_contact", "first_name", "gender_identity", "invoice_default_to", "invoice_email",
    "invoice_extra_information", "last_name", "medicare", "medicare_reference_number", "notes",
    "occupation", "old_reference_id", "patient_phone_numbers", "post_code",
    "preferred_first_name", "pronouns", "receives_cancellation_emails",
    "receives_confirmation_emails", "referral_source", "referring_doctor_id", "reminder_type",
    "sex", "state", "time_zone", "title", "unsubscribe_sms_marketing",
})
_ID_FIELDS = frozenset({"concession_type_id", "referring_doctor_id"})
_BOOL_FIELDS = frozenset({
    "accepted_email_marketing", "accepted_privacy_policy", "accepted_sms_marketing",
    "receives_cancellation_emails", "receives_confirmation_emails",
})
REMINDER_TYPES = ("None", "SMS", "Email", "SMS & Email")


def patient_update_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    if not fields:
        raise ValueError("update_patient needs at least one field")
    unknown = sorted(set(fields) - WRITABLE_PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"not writable on a Cliniko patient: {', '.join(unknown)}")
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "patient_phone_numbers":
            body[name] = phone_numbers_body(value)
        elif name in _ID_FIELDS:
            body[name] = None if value is None else format_id(value)  # int64 ids travel as strings
        elif name == "pronouns":
            body[name] = pronouns_body(value)
        elif name in _BOOL_FIELDS or name == "unsubscribe_sms_marketing":
            # the spec's booleans are nullable, except the write-only unsubscribe flag
            if not (isinstance(value, bool) or (value is None and name in _BOOL_FIELDS)):
                raise ValueError(f"{name} must be true, false{' or None' if name in _BOOL_FIELDS else ''}")
            body[name] = value
        elif name == "reminder_type":
            if value is not None and value not in REMINDER_TYPES:
                raise ValueError(f"reminder_type must be one of {', '.join(REMINDER_TYPES)}")
            body[name] = value
        elif name == "date_of_birth":
            body[name] = _date(value)
        elif name == "custom_fields":
            if value is not None and not isinstance(value, Mapping):
                raise ValueError("custom_fields must be an object ({'sections': [...]})")
            body[name] = value
        else:
            # every other writable field is a nullable string in the spec
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{name} must be text or None")
            body[name] = value
    return body


def pronouns_body(value: Any) -> dict[str, str] | None:
    """All five words or none: Cliniko rejects a partial pronoun set (each at most 50 chars)."""
    if value is None:
        return None
    raw = value.to_api() if isinstance(value, Pronouns) else value
    if not isinstance(raw, Mapping) or set(raw) != set(PRONOUN_KEYS):
        raise ValueError(f"pronouns need exactly these keys: {', '.join(PRONOUN_KEYS)}")
    for key in PRONOUN_KEYS:
        word = raw[key]
        if not isinstance(word, str) or not word.strip() or len(word) > 50:
            raise ValueError(f"pronouns.{key} must be 1 to 50 characters")
    return {key: raw[key] for key in PRONOUN_KEYS}


def _date(value: Any) -> str | None:
    """date_of_birth is a plain YYYY-MM-DD date, never a timestamp."""
    if value is None or value == "":  # clearing the date
        return None
    if isinstance(value, datetime):
        raise ValueError("date_of_birth is a date, not a datetime")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return date.fromisoformat(value.strip()).isoformat()
    raise ValueError("date_of_birth must be a date or 'YYYY-MM-DD'")


def phone_numbers_body(numbers: Iterable[Any] | None) -> list[dict[str, str]]:
    """Cliniko replaces the whole set: pass every number the patient should keep.

    Items may be PhoneNumber records, {"phone_type", "number"} mappings or (phone_type, number)
    pairs; normalized_number is read-only and never sent.
    """
    body = []
    for item in numbers or ():
        if isinstance(item, PhoneNumber):
            phone_type, number = item.phone_type, item.number
        elif isinstance(item, Mapping):
            phone_type, number = item.get("phone_type"), item.get("number")
        else:
            phone_type, number = item
        if phone_type not in PHONE_TYPES:
            raise ValueError(f"phone_type must be one of {', '.join(PHONE_TYPES)}")
        if not isinstance(number, str) or not number.strip():
            raise ValueError("a phone number needs its digits")
        body.append({"phone_type": phone_type, "number": number.strip()})
    return body

