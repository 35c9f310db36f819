"""Frozen records for the Cliniko resources oncord reads; Cliniko's field names kept.

Each `from_api` reads only what oncord uses, ignores unknown keys, maps missing optional
fields to None and raises ClinikoDataError (with the row's id) for a row it cannot read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from .errors import ClinikoDataError
from .parsing import (
    clean_text,
    link_id,
    parse_bool,
    parse_date,
    parse_id,
    parse_int,
    parse_str,
    parse_utc,
    require_utc,
)

R = TypeVar("R")

PHONE_TYPES = ("Mobile", "Home", "Work", "Other", "Fax")


def _reading(resource: str, raw: Any, build: Callable[[Mapping[str, Any]], R]) -> R:
    if not isinstance(raw, Mapping):
        raise ClinikoDataError(resource, None, "row is not an object")
    try:
        return build(raw)
    except ClinikoDataError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ClinikoDataError(resource, raw.get("id"), _reason(exc)) from exc


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]}"
    return type(exc).__name__


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    number: str
    phone_type: str | None
    normalized_number: str | None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "PhoneNumber":
        number = raw.get("number")
        if not isinstance(number, str):
            raise TypeError("phone number must be a string")
        return cls(
            number=clean_text(number),
            phone_type=parse_str(raw.get("phone_type")),
            normalized_number=parse_str(raw.get("normalized_number")),
        )


PRONOUN_KEYS = ("accusative", "nominative", "predicative_possessive", "pronominal_possessive", "reflexive")


@dataclass(frozen=True, slots=True)
class Pronouns:
    """Cliniko's pronoun set; all five words travel together."""

    accusative: str
    nominative: str
    predicative_possessive: str
    pronominal_possessive: str
    reflexive: str

    @classmethod
    def from_api(cls, raw: Any) -> "Pronouns | None":
        if raw in (None, {}, ""):
            return None
        if not isinstance(raw, Mapping):
            raise TypeError("pronouns must be an object")
        return cls(**{k: parse_str(raw.get(k)) or "" for k in PRONOUN_KEYS})

    def to_api(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in PRONOUN_KEYS}


@dataclass(frozen=True, slots=True)
class Patient:
    id: int
    first_name: str
    last_name: str
    preferred_first_name: str | None
    title: str | None
    label: str | None
    email: str | None
    patient_phone_numbers: tuple[PhoneNumber, ...]
    address_1: str | None
    address_2: str | None
    address_3: str | None
    city: str | None
    state: str | None
    post_code: str | None
    country: str | None  # deprecated by Cliniko in favour of country_code
    country_code: str | None
    date_of_birth: date | None
    sex: str | None
    gender_identity: str | None
    gender: str | None  # deprecated and read-only since 2018; never written back
    accepted_email_marketing: bool | None
    accepted_sms_marketing: bool | None
    accepted_privacy_policy: bool | None
    reminder_type: str | None
    time_zone: str | None
    old_reference_id: str | None
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    deleted_at: datetime | None
    merged_at: datetime | None
    merged_with_patient_id: int | None
    # The rest of the spec's Patient: read so nothing Cliniko holds is lost on the way in.
    pronouns: Pronouns | None = None
    receives_confirmation_emails: bool | None = None
    receives_cancellation_emails: bool | None = None
    notes: str | None = None
    appointment_notes: str | None = None
    occupation: str | None = None
    emergency_contact: str | None = None
    referral_source: str | None = None
    medicare: str | None = None
    medicare_reference_number: str | None = None
    dva_card_number: str | None = None
    invoice_default_to: str | None = None
    invoice_email: str | None = None
    invoice_extra_information: str | None = None
    concession_type_id: int | None = None
    referring_doctor_id: int | None = None
    latest_booking_id: int | None = None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "Patient":
        return _reading("patient", raw, cls._build)

    @classmethod
    def _build(cls, raw: Mapping[str, Any]) -> "Patient":
        phones = raw.get("patient_phone_numbers") or ()
        return cls(
            id=parse_id(raw["id"]),
            first_name=parse_str(raw.get("first_name")) or "",
            last_name=parse_str(raw.get("last_name")) or "",
            preferred_first_name=parse_str(raw.get("preferred_first_name")),
            title=parse_str(raw.get("title")),
            label=parse_str(raw.get("label")),
            email=parse_str(raw.get("email")),
            patient_phone_numbers=tuple(PhoneNumber.from_api(p) for p in phones),
            address_1=parse_str(raw.get("address_1")),
            address_2=parse_str(raw.get("address_2")),
            address_3=parse_str(raw.get("address_3")),
            city=parse_str(raw.get("city")),
            state=parse_str(raw.get("state")),
            post_code=parse_str(raw.get("post_code")),
            country=parse_str(raw.get("country")),
            country_code=parse_str(raw.get("country_code")),
            date_of_birth=parse_date(raw.get("date_of_birth")),
            sex=parse_str(raw.get("sex")),
            gender_identity=parse_str(raw.get("gender_identity")),
            gender=parse_str(raw.get("gender")),
            accepted_email_marketing=parse_bool(raw.get("accepted_email_marketing")),
            accepted_sms_marketing=parse_bool(raw.get("accepted_sms_marketing")),
            accepted_privacy_policy=parse_bool(raw.get("accepted_privacy_policy")),
            reminder_type=parse_str(raw.get("reminder_type")),
            time_zone=parse_str(raw.get("time_zone")),
            old_reference_id=parse_str(raw.get("old_reference_id")),
            created_at=require_utc(raw["created_at"]),
            updated_at=require_utc(raw["updated_at"]),
            archived_at=parse_utc(raw.get("archived_at")),
            deleted_at=parse_utc(raw.get("deleted_at")),
            merged_at=parse_utc(raw.get("merged_at")),
            merged_with_patient_id=link_id(raw.get("merged_with_patient")),
            pronouns=Pronouns.from_api(raw.get("pronouns")),
            receives_confirmation_emails=parse_bool(raw.get("receives_confirmation_emails")),
            receives_cancellation_emails=parse_bool(raw.get("receives_cancellation_emails")),
            notes=parse_str(raw.get("notes")),
            appointment_notes=parse_str(raw.get("appointment_notes")),
            occupation=parse_str(raw.get("occupation")),
            emergency_contact=parse_str(raw.get("emergency_contact")),
            referral_source=parse_str(raw.get("referral_source")),
            medicare=parse_str(raw.get("medicare")),
            medicare_reference_number=parse_str(raw.get("medicare_reference_number")),
            dva_card_number=parse_str(raw.get("dva_card_number")),
            invoice_default_to=parse_str(raw.get("invoice_default_to")),
            invoice_email=parse_str(raw.get("invoice_email")),
            invoice_extra_information=parse_str(raw.get("invoice_extra_information")),
            concession_type_id=link_id(raw.get("concession_type")),
            referring_doctor_id=link_id(raw.get("referring_doctor")),
            latest_booking_id=link_id(raw.get("latest_booking")),
        )

    @property
    def mobile_number(self) -> PhoneNumber | None:
        """The first Mobile number: the one SMS can reach."""
        return next((p for p in self.patient_phone_numbers if p.phone_type == "Mobile"), None)

    @property
    def primary_phone(self) -> PhoneNumber | None:
        """Mobile first, then Home, Work, Other; Fax only when it is all there is."""
        ranked = sorted(self.patient_phone_numbers, key=_phone_rank)
        return ranked[0] if ranked else None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def was_merged(self) -> bool:
        return self.merged_at is not None or self.merged_with_patient_id is not None


def _phone_rank(phone: PhoneNumber) -> int:
    try:
        return PHONE_TYPES.index(phone.phone_type or "")
    except ValueError:
        return len(PHONE_TYPES) - 1  # unknown types rank with Other, before Fax


@dataclass(frozen=True, slots=True)
class RepeatRule:
    """How a series repeats; Cliniko sends {} (or null) for a one-off appointment."""

    repeat_type: str | None  # Daily, Weekly or Monthly
    number_of_repeats: int | None
    repeating_interval: int | None

    @classmethod
    def from_api(cls, raw: Any) -> "RepeatRule | None":
        if raw in (None, ""):
            return None
        if not isinstance(raw, Mapping):
            raise TypeError("repeat_rule must be an object")
        rule = cls(
            repeat_type=parse_str(raw.get("repeat_type")),
            number_of_repeats=parse_int(raw.get("number_of_repeats")),
            repeating_interval=parse_int(raw.get("repeating_interval")),
        )
        return None if rule == cls(None, None, None) else rule


@dataclass(frozen=True, slots=True)
class Appointment:
    """An individual appointment (`/individual_appointments`)."""

    id: int
    starts_at: datetime
    ends_at: datetime | None
    patient_id: int | None
    practitioner_id: int | None
    appointment_type_id: int | None
    business_id: int | None
    patient_case_id: int | None
    repeated_from_id: int | None
    patient_name: str | None
    notes: str | None
    cancelled_at: datetime | None
    cancellation_reason: int | None
    cancellation_reason_description: str | None
    cancellation_note: str | None
    did_not_arrive: bool | None
    patient_arrived: bool | None
    telehealth_url: str | None
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    deleted_at: datetime | None
    repeat_rule: RepeatRule | None = None
    booking_ip_address: str | None = None
    online_booking_policy_accepted: bool | None = None
    email_reminder_sent: bool | None = None
    sms_reminder_sent: bool | None = None
    has_patient_appointment_notes: bool | None = None
    invoice_status: int | None = None
    treatment_note_status: int | None = None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "Appointment":
        return _reading("appointment", raw, cls._build)

    @classmethod
    def _build(cls, raw: Mapping[str, Any]) -> "Appointment":
        return cls(
            id=parse_id(raw["id"]),
            starts_at=require_utc(raw["starts_at"]),
            ends_at=parse_utc(raw.get("ends_at")),
            patient_id=link_id(raw.get("patient")),
            practitioner_id=link_id(raw.get("practitioner")),
            appointment_type_id=link_id(raw.get("appointment_type")),
            business_id=link_id(raw.get("business")),
            patient_case_id=link_id(raw.get("patient_case")),
            repeated_from_id=link_id(raw.get("repeated_from")),
            patient_name=parse_str(raw.get("patient_name")),
            notes=parse_str(raw.get("notes")),
            cancelled_at=parse_utc(raw.get("cancelled_at")),
            cancellation_reason=parse_int(raw.get("cancellation_reason")),
            # "" when not cancelled in real captures
            cancellation_reason_description=parse_str(raw.get("cancellation_reason_description")),
            cancellation_note=parse_str(raw.get("cancellation_note")),
            did_not_arrive=parse_bool(raw.get("did_not_arrive")),
            patient_arrived=parse_bool(raw.get("patient_arrived")),
            telehealth_url=parse_str(raw.get("telehealth_url")),
            created_at=require_utc(raw["created_at"]),
            updated_at=require_utc(raw["updated_at"]),
            archived_at=parse_utc(raw.get("archived_at")),
            deleted_at=parse_utc(raw.get("deleted_at")),
            repeat_rule=RepeatRule.from_api(raw.get("repeat_rule")),
            booking_ip_address=parse_str(raw.get("booking_ip_address")),
            online_booking_policy_accepted=parse_bool(raw.get("online_booking_policy_accepted")),
            email_reminder_sent=parse_bool(raw.get("email_reminder_sent")),
            sms_reminder_sent=parse_bool(raw.get("sms_reminder_sent")),
            has_patient_appointment_notes=parse_bool(raw.get("has_patient_appointment_notes")),
            invoice_status=parse_int(raw.get("invoice_status")),
            treatment_note_status=parse_int(raw.get("treatment_note_status")),
        )

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


IndividualAppointment = Appointment


@dataclass(frozen=True, slots=True)
class DeletedRecord:
    """A row of a legacy `/deleted` listing: Cliniko gives only the id and when."""

    id: int
    deleted_at: datetime

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "DeletedRecord":
        return _reading("deleted record", raw, lambda r: cls(id=parse_id(r["id"]), deleted_at=require_utc(r["deleted_at"])))
