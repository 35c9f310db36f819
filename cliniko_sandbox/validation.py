"""Request-body checks that give Cliniko's 422 `{"message": "Validation Failed", ...}`.

Messages are Rails' (with the curly apostrophe Cliniko sends: "can’t be blank").
Unknown and read-only keys are ignored, as Rails' strong parameters do.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from cliniko_sandbox.store import format_time, parse_id, parse_time

BLANK = "can’t be blank"
INVALID = "is invalid"
NOT_IN_LIST = "is not included in the list"
TOO_LONG = "is too long (maximum is {n} characters)"

EMAIL = re.compile(r"^[A-Z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Z0-9.-]+\.[A-Z]{2,63}$", re.IGNORECASE)
DVA = re.compile(r"^[NVQSWT]([A-Z ][0-9]{1,6}|[A-Z]{2}[0-9]{1,5}|[A-Z]{3}[0-9]{1,4})[A-Z]?$")
COLOR = re.compile(r"^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")
PHONE_TYPES = ("Fax", "Home", "Mobile", "Other", "Work")
REMINDER_TYPES = ("None", "SMS", "Email", "SMS & Email")
PRONOUN_KEYS = ("accusative", "nominative", "predicative_possessive",
                "pronominal_possessive", "reflexive")
CANCEL_REASONS = (10, 20, 30, 31, 40, 50, 60)
LEAD_TIME_HOURS = (0, 1, 2, 4, 12, 18, 24, 48, 72, 168, 336, 504, 672)
TEMPLATE_IDS = ("appointment_confirmation_template_ids", "appointment_reminder_template_ids",
                "appointment_follow_up_template_ids")

PATIENT_STRINGS_255 = (
    "first_name", "last_name", "preferred_first_name", "title", "email", "address_1",
    "address_2", "address_3", "city", "occupation", "emergency_contact", "referral_source",
    "old_reference_id", "medicare", "medicare_reference_number",
)
PATIENT_STRINGS = PATIENT_STRINGS_255 + (
    "state", "post_code", "country", "country_code", "sex", "gender_identity",
    "notes", "appointment_notes", "dva_card_number", "invoice_default_to",
    "invoice_email", "invoice_extra_information", "reminder_type", "time_zone",
    "date_of_birth",
)
PATIENT_BOOLS = (
    "accepted_email_marketing", "accepted_sms_marketing", "accepted_privacy_policy",
    "receives_confirmation_emails", "receives_cancellation_emails",
)


class ValidationFailed(Exception):
    """Carries Cliniko's `errors` object: field -> one message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {"message": "Validation Failed", "errors": self.errors}


def clean_patient(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Writable patient fields from `body`, checked; raises ValidationFailed."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in PATIENT_STRINGS:
        if name in body:
            values[name] = _string(body[name], name, errors)
    for name in PATIENT_BOOLS:
        if name in body:
            values[name] = _boolean(body[name], name, errors)
    for name in ("concession_type_id", "referring_doctor_id"):
        if name in body:
            values[name] = _id(body[name], name, errors)
    for name in ("first_name", "last_name"):
        if (creating or name in body) and not (values.get(name) or "").strip():
            errors[name] = BLANK
    for name in PATIENT_STRINGS_255:
        if values.get(name) and len(values[name]) > 255:
            errors[name] = TOO_LONG.format(n=255)
    for name in ("email", "invoice_email"):
        if values.get(name) and not EMAIL.match(values[name]):
            errors[name] = INVALID
    if values.get("reminder_type") and values["reminder_type"] not in REMINDER_TYPES:
        errors["reminder_type"] = NOT_IN_LIST
    if values.get("dva_card_number") and not DVA.match(values["dva_card_number"]):
        errors["dva_card_number"] = INVALID
    if values.get("date_of_birth"):
        try:
            values["date_of_birth"] = date.fromisoformat(values["date_of_birth"]).isoformat()
        except ValueError:
            errors["date_of_birth"] = INVALID
    if values.get("time_zone") and values["time_zone"] not in _zones():
        errors["time_zone"] = NOT_IN_LIST
    if values.get("country_code"):
        if not re.fullmatch(r"[A-Za-z]{2}", values["country_code"]):
            errors["country_code"] = INVALID
        values["country_code"] = values["country_code"].upper()
    if "patient_phone_numbers" in body:
        values["patient_phone_numbers"] = _phones(body["patient_phone_numbers"], errors)
    if "pronouns" in body:
        values["pronouns"] = _pronouns(body["pronouns"], errors)
    if "custom_fields" in body:
        if body["custom_fields"] not in (None, {}) and not isinstance(body["custom_fields"], dict):
            errors["custom_fields"] = INVALID
        values["custom_fields"] = body["custom_fields"] or None
    if errors:
        raise ValidationFailed(errors)
    return values


def _phones(raw: Any, errors: dict[str, str]) -> list[dict[str, str]] | None:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors["patient_phone_numbers"] = INVALID
        return None
    phones = []
    for item in raw:
        if not isinstance(item, dict):
            errors["patient_phone_numbers"] = INVALID
            continue
        number = str(item.get("number") or "").strip()
        kind = item.get("phone_type")
        if not number:
            errors["patient_phone_numbers.number"] = BLANK
        if kind not in PHONE_TYPES:
            errors["patient_phone_numbers.phone_type"] = NOT_IN_LIST
        phones.append({"number": number, "phone_type": kind,
                       "normalized_number": normalize_phone(number)})
    return phones


def normalize_phone(number: str) -> str:
    """Digits in international form without `+`, as Cliniko's `normalized_number`
    (an Australian `0412 345 678` becomes `61412345678`)."""
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+"):
        return digits
    if digits.startswith("0"):
        return "61" + digits[1:]
    return digits


def _pronouns(raw: Any, errors: dict[str, str]) -> dict[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors["pronouns"] = INVALID
        return None
    for key in PRONOUN_KEYS:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            errors[f"pronouns.{key}"] = BLANK
        elif len(value) > 50:
            errors[f"pronouns.{key}"] = TOO_LONG.format(n=50)
    return {key: raw.get(key) for key in PRONOUN_KEYS}


def clean_appointment(
    body: dict[str, Any], *, creating: bool, exists: dict[str, bool]
) -> dict[str, Any]:
    """`exists` says whether each referenced `*_id` in the body names a live row."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    refs = ("patient_id", "practitioner_id", "appointment_type_id", "business_id")
    for name in refs + ("patient_case_id",):
        if name in body:
            values[name] = _id(body[name], name, errors)
    _check_refs(refs, values, errors, creating, exists)
    _clean_times(body, values, errors, creating)
    return _finish_booking(body, values, errors)


def _check_refs(refs: tuple[str, ...], values: dict[str, Any], errors: dict[str, str], creating: bool,
                exists: dict[str, bool]) -> None:
    """Each linked record is required on create and must exist ("must exist" under its association name)."""
    for name in refs:
        association = name.removesuffix("_id")
        if creating and values.get(name) is None and name not in errors:
            errors[association] = "must exist"
        elif values.get(name) is not None and not exists.get(name, True):
            errors[association] = "must exist"


def _finish_booking(body: dict[str, Any], values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """`notes` and `repeat_rule` as any booking has them; then the errors, or the cleaned values."""
    if "notes" in body:
        values["notes"] = _string(body["notes"], "notes", errors)
    if "repeat_rule" in body:
        values["repeat_rule"] = _repeat_rule(body["repeat_rule"], errors)
    if errors:
        raise ValidationFailed(errors)
    return values


def _clean_times(body: dict[str, Any], values: dict[str, Any], errors: dict[str, str], creating: bool) -> None:
    """`starts_at` (required on create, never null) and `ends_at`, as an appointment or a class has them."""
    for name in ("starts_at", "ends_at"):
        if name in body and body[name] is not None:
            try:
                values[name] = format_time(parse_time(str(body[name])))
            except ValueError:
                errors[name] = INVALID
        elif name in body:
            values[name] = None
    if (creating and not values.get("starts_at") and "starts_at" not in errors) or (
            "starts_at" in body and body["starts_at"] is None):
        errors["starts_at"] = BLANK


def clean_group_appointment(
    body: dict[str, Any], *, creating: bool, exists: dict[str, bool]
) -> dict[str, Any]:
    """A class: as an appointment without a patient, plus `max_attendees` (2..99)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    refs = ("practitioner_id", "appointment_type_id", "business_id")
    for name in refs:
        if name in body:
            values[name] = _id(body[name], name, errors)
    _check_refs(refs, values, errors, creating, exists)
    _clean_times(body, values, errors, creating)
    if "max_attendees" in body:
        seats = body["max_attendees"]
        if not isinstance(seats, int) or isinstance(seats, bool) or not 1 < seats < 100:
            errors["max_attendees"] = INVALID
        values["max_attendees"] = seats
    return _finish_booking(body, values, errors)


def clean_attendee(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Spec `Attendee` (create: booking and patient) and `AttendeeUpdate` bodies."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    names = ("booking_id", "patient_id", "patient_case_id") if creating else ("patient_case_id",)
    for name in names:
        if name in body:
            values[name] = _id(body[name], name, errors)
    if creating:
        for name in ("booking_id", "patient_id"):
            if values.get(name) is None and name not in errors:
                errors[name.removesuffix("_id")] = "must exist"
    if "arrived" in body:
        if body["arrived"] not in (True, False, None):
            errors["arrived"] = NOT_IN_LIST
        values["arrived"] = body["arrived"]
    if "notes" in body:
        values["notes"] = _string(body["notes"], "notes", errors)
    if errors:
        raise ValidationFailed(errors)
    return values


def check_times(starts_at: str, ends_at: str) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": "must be after starts at"})


def _repeat_rule(raw: Any, errors: dict[str, str]) -> dict[str, Any] | None:
    if not raw:
        return None
    if not isinstance(raw, dict) or raw.get("repeat_type") not in ("Daily", "Weekly", "Monthly"):
        errors["repeat_rule"] = INVALID
        return None
    repeats, interval = raw.get("number_of_repeats"), raw.get("repeating_interval")
    if not isinstance(repeats, int) or not 1 <= repeats <= 51:
        errors["repeat_rule.number_of_repeats"] = INVALID
    if not isinstance(interval, int) or not 1 <= interval <= 100:
        errors["repeat_rule.repeating_interval"] = INVALID
    return {"repeat_type": raw["repeat_type"], "number_of_repeats": repeats,
            "repeating_interval": interval}


def clean_cancel(body: dict[str, Any]) -> tuple[int, str | None]:
    reason = body.get("cancellation_reason")
    if reason is None:
        raise ValidationFailed({"cancellation_reason": BLANK})
    if isinstance(reason, str) and reason.isdigit():
        reason = int(reason)
    if reason not in CANCEL_REASONS:
        raise ValidationFailed({"cancellation_reason": NOT_IN_LIST})
    note = body.get("cancellation_note")
    return reason, (None if note is None else str(note))


def clean_appointment_type(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in ("name", "category", "color", "description", "online_payments_mode",
                 "deposit_price"):
        if name in body:
            values[name] = _string(body[name], name, errors)
    for name in ("show_in_online_bookings", "telehealth_enabled", "online_payments_enabled",
                 "add_deposit_to_account_credit"):
        if name in body:
            values[name] = _boolean(body[name], name, errors)
    if (creating or "name" in body) and not (values.get("name") or "").strip():
        errors["name"] = BLANK
    elif len(values.get("name") or "") > 255:
        errors["name"] = TOO_LONG.format(n=255)
    if values.get("deposit_price") is not None:
        values["deposit_price"] = _price(values["deposit_price"], "deposit_price", errors)
    if "online_bookings_lead_time_hours" in body:
        hours = body["online_bookings_lead_time_hours"]
        if hours is not None and (isinstance(hours, bool) or hours not in LEAD_TIME_HOURS):
            errors["online_bookings_lead_time_hours"] = NOT_IN_LIST
        values["online_bookings_lead_time_hours"] = hours
    for name in TEMPLATE_IDS:
        if name in body:
            values[name] = _id_list(body[name], name, errors, nullable=True)
    if values.get("color") and not COLOR.match(values["color"]):
        errors["color"] = INVALID
    for name, top in (("duration_in_minutes", 1440), ("max_attendees", 100)):
        if name in body:
            value = body[name]
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < top:
                errors[name] = INVALID
            values[name] = value
    if creating and "duration_in_minutes" not in body:
        errors["duration_in_minutes"] = BLANK
    if values.get("online_payments_mode") not in (None, "deposit_required", "optional", "required"):
        errors["online_payments_mode"] = NOT_IN_LIST
    for name in ("practitioner_ids", "business_ids"):  # write-only: who offers it, where
        if name in body:
            values[name] = _id_list(body[name], name, errors, nullable=False)
    if errors:
        raise ValidationFailed(errors)
    return values


BUSINESS_STRINGS = (
    "business_name", "display_name", "address_1", "address_2", "city", "state", "post_code",
    "country_code", "time_zone", "time_zone_identifier", "email_reply_to", "website_address",
    "contact_information", "additional_information", "additional_invoice_information",
    "business_registration_name", "business_registration_value",
)


def clean_business(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Writable business fields (spec request body `Business`); `time_zone` is the
    label (`Melbourne`), `time_zone_identifier` the IANA name, and the label wins."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in BUSINESS_STRINGS:
        if name in body:
            values[name] = _string(body[name], name, errors)
    for name in ("appointment_reminders_enabled", "show_in_online_bookings"):
        if name in body:
            values[name] = _boolean(body[name], name, errors)
    if (creating or "business_name" in body) and not (values.get("business_name") or "").strip():
        errors["business_name"] = BLANK
    for name in ("additional_information", "additional_invoice_information"):
        if len(values.get(name) or "") > 5000:
            errors[name] = TOO_LONG.format(n=5000)
    if values.get("country_code"):
        if not re.fullmatch(r"[A-Za-z]{2}", values["country_code"]):
            errors["country_code"] = INVALID
        values["country_code"] = values["country_code"].upper()
    if values.get("time_zone"):
        zone = zone_for_label(values["time_zone"])
        if zone is None:
            errors["time_zone"] = NOT_IN_LIST
        values["time_zone_identifier"] = zone
    elif values.get("time_zone_identifier"):
        if values["time_zone_identifier"] not in _zones():
            errors["time_zone_identifier"] = NOT_IN_LIST
        values["time_zone"] = zone_label(values["time_zone_identifier"])
    if "appointment_type_ids" in body:
        values["appointment_type_ids"] = _id_list(body["appointment_type_ids"],
                                                  "appointment_type_ids", errors, nullable=True)
    if errors:
        raise ValidationFailed(errors)
    return values


def zone_label(identifier: str) -> str:
    """Rails' label for an IANA zone, as Cliniko shows it: `Australia/Melbourne` -> `Melbourne`."""
    return identifier.rsplit("/", 1)[-1].replace("_", " ")


def zone_for_label(label: str) -> str | None:
    matches = sorted(z for z in _zones() if "/" in z and zone_label(z) == label)
    return next((z for z in matches if z.startswith("Australia/")), matches[0] if matches else None)


def _id_list(raw: Any, name: str, errors: dict[str, str], *, nullable: bool
             ) -> list[int] | None:
    if raw is None:
        return None if nullable else []
    if not isinstance(raw, list):
        errors[name] = INVALID
        return None
    ids = [_id(v, name, errors) for v in raw]
    return [i for i in ids if i is not None]


def _price(value: str, name: str, errors: dict[str, str]) -> str | None:
    """A decimal string, 0 up to (not including) 4,000,000,000, kept to cents."""
    try:
        price = Decimal(value)
    except InvalidOperation:
        errors[name] = INVALID
        return None
    if not price.is_finite() or not 0 <= price < 4_000_000_000:
        errors[name] = INVALID
        return None
    return str(price.quantize(Decimal("0.01")))


def _string(value: Any, name: str, errors: dict[str, str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        errors[name] = INVALID
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _boolean(value: Any, name: str, errors: dict[str, str]) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    errors[name] = NOT_IN_LIST
    return None


def _id(value: Any, name: str, errors: dict[str, str]) -> int | None:
    if value is None or value == "":
        return None
    row_id = parse_id(value)
    if row_id is None:
        errors[name] = INVALID
    return row_id


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(zoneinfo.available_timezones())
    return _ZONES
