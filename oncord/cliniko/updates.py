"""Request bodies for PATCH: only the fields given, in the shape Cliniko's spec asks for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from .parsing import format_utc
from .records import PHONE_TYPES, PhoneNumber

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
            body[name] = None if value is None else str(int(value))  # int64 ids travel as strings
        else:
            body[name] = _scalar(value)
    return body


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


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
