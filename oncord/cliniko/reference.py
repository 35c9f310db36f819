"""Frozen records for Cliniko's reference data and the key's own user and account."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .parsing import (
    link_id,
    parse_bool,
    parse_decimal,
    parse_id,
    parse_ids,
    parse_int,
    parse_optional_id,
    parse_str,
    parse_utc,
    require_utc,
)
from .records import PhoneNumber, _reading


@dataclass(frozen=True, slots=True)
class AppointmentType:
    id: int
    name: str
    category: str | None
    color: str | None
    description: str | None
    duration_in_minutes: int | None
    max_attendees: int | None
    show_in_online_bookings: bool | None
    telehealth_enabled: bool | None
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    online_payments_enabled: bool | None = None
    online_payments_mode: str | None = None  # deposit_required, optional or required
    deposit_price: str | None = None  # a decimal string, kept exact
    add_deposit_to_account_credit: bool | None = None
    online_bookings_lead_time_hours: int | None = None
    appointment_confirmation_template_ids: tuple[int, ...] = ()
    appointment_reminder_template_ids: tuple[int, ...] = ()
    appointment_follow_up_template_ids: tuple[int, ...] = ()

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "AppointmentType":
        return _reading("appointment_type", raw, cls._build)

    @classmethod
    def _build(cls, raw: Mapping[str, Any]) -> "AppointmentType":
        return cls(
            id=parse_id(raw["id"]),
            name=parse_str(raw.get("name")) or "",
            category=parse_str(raw.get("category")),
            color=parse_str(raw.get("color")),
            description=parse_str(raw.get("description")),
            duration_in_minutes=parse_int(raw.get("duration_in_minutes")),
            max_attendees=parse_int(raw.get("max_attendees")),
            show_in_online_bookings=parse_bool(raw.get("show_in_online_bookings")),
            telehealth_enabled=parse_bool(raw.get("telehealth_enabled")),
            created_at=require_utc(raw["created_at"]),
            updated_at=require_utc(raw["updated_at"]),
            archived_at=parse_utc(raw.get("archived_at")),
            online_payments_enabled=parse_bool(raw.get("online_payments_enabled")),
            online_payments_mode=parse_str(raw.get("online_payments_mode")),
            deposit_price=parse_decimal(raw.get("deposit_price")),
            add_deposit_to_account_credit=parse_bool(raw.get("add_deposit_to_account_credit")),
            online_bookings_lead_time_hours=parse_int(raw.get("online_bookings_lead_time_hours")),
            appointment_confirmation_template_ids=parse_ids(raw.get("appointment_confirmation_template_ids")),
            appointment_reminder_template_ids=parse_ids(raw.get("appointment_reminder_template_ids")),
            appointment_follow_up_template_ids=parse_ids(raw.get("appointment_follow_up_template_ids")),
        )


@dataclass(frozen=True, slots=True)
class Practitioner:
    id: int
    first_name: str | None
    last_name: str | None
    title: str | None
    display_name: str | None
    label: str | None
    designation: str | None
    description: str | None
    active: bool | None
    show_in_online_bookings: bool | None
    user_id: int | None
    default_appointment_type_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "Practitioner":
        return _reading("practitioner", raw, cls._build)

    @classmethod
    def _build(cls, raw: Mapping[str, Any]) -> "Practitioner":
        return cls(
            id=parse_id(raw["id"]),
            first_name=parse_str(raw.get("first_name")),
            last_name=parse_str(raw.get("last_name")),
            title=parse_str(raw.get("title")),
            display_name=parse_str(raw.get("display_name")),
            label=parse_str(raw.get("label")),
            designation=parse_str(raw.get("designation")),
            description=parse_str(raw.get("description")),
            active=parse_bool(raw.get("active")),
            show_in_online_bookings=parse_bool(raw.get("show_in_online_bookings")),
            user_id=link_id(raw.get("user")),
            default_appointment_type_id=link_id(raw.get("default_appointment_type")),
            created_at=require_utc(raw["created_at"]),
            updated_at=require_utc(raw["updated_at"]),
        )


@dataclass(frozen=True, slots=True)
class Business:
    """A location; most accounts have one."""

    id: int
    business_name: str | None
    display_name: str | None
    label: str | None
    address_1: str | None
    address_2: str | None
    city: str | None
    state: str | None
    post_code: str | None
    country: str | None
    country_code: str | None
    time_zone: str | None
    time_zone_identifier: str | None
    email_reply_to: str | None
    website_address: str | None
    contact_information: str | None
    show_in_online_bookings: bool | None
    appointment_type_ids: tuple[int, ...]
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    deleted_at: datetime | None
    additional_information: str | None = None
    additional_invoice_information: str | None = None
    business_registration_name: str | None = None
    business_registration_value: str | None = None
    appointment_reminders_enabled: bool | None = None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "Business":
        return _reading("business", raw, cls._build)

    @classmethod
    def _build(cls, raw: Mapping[str, Any]) -> "Business":
        return cls(
            id=parse_id(raw["id"]),
            business_name=parse_str(raw.get("business_name")),
            display_name=parse_str(raw.get("display_name")),
            label=parse_str(raw.get("label")),
            address_1=parse_str(raw.get("address_1")),
            address_2=parse_str(raw.get("address_2")),
            city=parse_str(raw.get("city")),
            state=parse_str(raw.get("state")),
            post_code=parse_str(raw.get("post_code")),
            country=parse_str(raw.get("country")),
            country_code=parse_str(raw.get("country_code")),
            time_zone=parse_str(raw.get("time_zone")),
            time_zone_identifier=parse_str(raw.get("time_zone_identifier")),
            email_reply_to=parse_str(raw.get("email_reply_to")),
            website_address=parse_str(raw.get("website_address")),
            contact_information=parse_str(raw.get("contact_information")),
            show_in_online_bookings=parse_bool(raw.get("show_in_online_bookings")),
            appointment_type_ids=parse_ids(raw.get("appointment_type_ids")),
            created_at=require_utc(raw["created_at"]),
            updated_at=require_utc(raw["updated_at"]),
            archived_at=parse_utc(raw.get("archived_at")),
            deleted_at=parse_utc(raw.get("deleted_at")),
            additional_information=parse_str(raw.get("additional_information")),
            additional_invoice_information=parse_str(raw.get("additional_invoice_information")),
            business_registration_name=parse_str(raw.get("business_registration_name")),
            business_registration_value=parse_str(raw.get("business_registration_value")),
            appointment_reminders_enabled=parse_bool(raw.get("appointment_reminders_enabled")),
        )


@dataclass(frozen=True, slots=True)
class User:
    """The key's owner (`GET /user`): what a connection test shows."""

    id: int
    first_name: str | None
    last_name: str | None
    title: str | None
    email: str | None
    role: str | None
    time_zone: str | None
    time_zone_identifier: str | None
    active: bool | None
    created_at: datetime | None
    updated_at: datetime | None
    user_active: bool | None = None
    phone_numbers: tuple[PhoneNumber, ...] = ()

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "User":
        return _reading("user", raw, cls._build)

    @classmethod
    def _build(cls, raw: Mapping[str, Any]) -> "User":
        return cls(
            id=parse_id(raw["id"]),
            first_name=parse_str(raw.get("first_name")),
            last_name=parse_str(raw.get("last_name")),
            title=parse_str(raw.get("title")),
            email=parse_str(raw.get("email")),
            role=parse_str(raw.get("role")),
            time_zone=parse_str(raw.get("time_zone")),
            time_zone_identifier=parse_str(raw.get("time_zone_identifier")),
            active=parse_bool(raw.get("active")),
            created_at=parse_utc(raw.get("created_at")),
            updated_at=parse_utc(raw.get("updated_at")),
            user_active=parse_bool(raw.get("user_active")),
            # A connection test must not fail over a half-filled phone row: keep the usable ones.
            phone_numbers=tuple(
                PhoneNumber.from_api(p) for p in raw.get("phone_numbers") or ()
                if isinstance(p, Mapping) and isinstance(p.get("number"), str)
            ),
        )


@dataclass(frozen=True, slots=True)
class Account:
    """`GET /settings` → account: the subdomain builds booking and patient URLs."""

    id: int | None
    name: str | None
    subdomain: str | None
    country_code: str | None
    time_zone_support: bool | None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "Account":
        return _reading("account", raw, cls._build)

    @classmethod
    def _build(cls, raw: Mapping[str, Any]) -> "Account":
        account = raw.get("account") if isinstance(raw.get("account"), Mapping) else raw
        return cls(
            id=parse_optional_id(account.get("id")),
            name=parse_str(account.get("name")),
            subdomain=parse_str(account.get("subdomain")),
            country_code=parse_str(account.get("country_code")),
            time_zone_support=parse_bool(account.get("time_zone_support")),
        )
