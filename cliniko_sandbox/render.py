"""Rows -> Cliniko JSON, field for field as the OpenAPI spec shapes them.

Every property the spec lists is present. Links to an association that does not
exist (no concession type, not merged, ...) render as `{"links": {}}`: the spec
types them as non-nullable objects, and an empty object cannot be mistaken for
a real link.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

CANCELLATION_REASONS = {
    10: "Feeling Better",
    20: "Condition Worse",
    30: "Sick",
    31: "COVID-19 related",
    40: "Away",
    50: "Other",
    60: "Work",
}


def link(url: str | None) -> dict[str, Any]:
    return {"links": {"self": url}} if url else {"links": {}}


def _ref(base: str, collection: str, row_id: int | None) -> dict[str, Any]:
    return link(f"{base}/{collection}/{row_id}" if row_id else None)


def _query_link(base: str, collection: str, field: str, row_id: int) -> dict[str, Any]:
    return link(f"{base}/{collection}?{quote('q[]')}={quote(f'{field}:={row_id}')}")


def _ids(values: list[int] | None) -> list[str] | None:
    return None if values is None else [str(v) for v in values]


def label(first: str | None, last: str | None) -> str:
    return " ".join(part for part in (first, last) if part)


PATIENT_PLAIN = (
    "created_at", "updated_at", "archived_at", "deleted_at", "merged_at",
    "title", "first_name", "last_name", "preferred_first_name", "email",
    "address_1", "address_2", "address_3", "city", "state", "post_code", "country",
    "country_code", "date_of_birth", "sex", "gender_identity", "gender", "pronouns",
    "accepted_email_marketing", "accepted_sms_marketing", "accepted_privacy_policy",
    "receives_confirmation_emails", "receives_cancellation_emails", "reminder_type",
    "time_zone", "notes", "appointment_notes", "occupation", "emergency_contact",
    "referral_source", "old_reference_id", "medicare", "medicare_reference_number",
    "dva_card_number", "invoice_default_to", "invoice_email", "invoice_extra_information",
    "custom_fields",
)


def patient(row: dict[str, Any], base: str) -> dict[str, Any]:
    pid = row["id"]
    out: dict[str, Any] = {"id": str(pid)}
    out.update({name: row[name] for name in PATIENT_PLAIN})
    out["label"] = label(row["first_name"], row["last_name"])
    out["patient_phone_numbers"] = row["patient_phone_numbers"] or []
    own = f"{base}/patients/{pid}"
    out.update(
        appointments=link(f"{own}/appointments"),
        attendees=_query_link(base, "attendees", "patient_id", pid),
        concession_type=_ref(base, "concession_types", row["concession_type_id"]),
        invoices=link(f"{own}/invoices"),
        latest_booking=_ref(base, "bookings", row.get("latest_booking_id")),
        medical_alerts=link(f"{own}/medical_alerts"),
        merged_with_patient=_ref(base, "patients", row["merged_with_patient_id"]),
        patient_attachments=link(f"{own}/patient_attachments"),
        referring_doctor=_ref(base, "contacts", row["referring_doctor_id"]),
        relationships=_query_link(base, "relationships", "patient_id", pid),
        links={"self": own},
    )
    return out


def deleted_stub(row: dict[str, Any], base: str, collection: str) -> dict[str, Any]:
    """What the legacy `/deleted` lists returned: id, deleted_at, links only."""
    return {
        "id": str(row["id"]),
        "deleted_at": row["deleted_at"],
        "links": {"self": f"{base}/{collection}/{row['id']}"},
    }


APPOINTMENT_PLAIN = (
    "created_at", "updated_at", "archived_at", "deleted_at", "cancelled_at",
    "starts_at", "ends_at", "notes", "cancellation_reason", "cancellation_note",
    "did_not_arrive", "patient_arrived", "booking_ip_address",
    "online_booking_policy_accepted", "email_reminder_sent", "sms_reminder_sent",
    "has_patient_appointment_notes", "invoice_status", "treatment_note_status",
)


def appointment(row: dict[str, Any], base: str, subdomain: str) -> dict[str, Any]:
    aid = row["id"]
    own = f"{base}/individual_appointments/{aid}"
    out: dict[str, Any] = {"id": str(aid)}
    out.update({name: row[name] for name in APPOINTMENT_PLAIN})
    # A real capture shows "" (not null) while the appointment is not cancelled.
    out["cancellation_reason_description"] = CANCELLATION_REASONS.get(row["cancellation_reason"], "")
    out["patient_name"] = row.get("patient_name")
    out["repeat_rule"] = row["repeat_rule"] or {}
    out["telehealth_url"] = f"{_web_root(base, subdomain)}/appointments/{aid}/connect"
    out.update(
        appointment_type=_ref(base, "appointment_types", row["appointment_type_id"]),
        attendees=link(f"{own}/attendees"),
        business=_ref(base, "businesses", row["business_id"]),
        conflicts=link(f"{own}/conflicts"),
        patient=_ref(base, "patients", row["patient_id"]),
        patient_case=_ref(base, "patient_cases", row["patient_case_id"]),
        practitioner=_ref(base, "practitioners", row["practitioner_id"]),
        repeated_from=_ref(base, "individual_appointments", row["repeated_from_id"]),
        repeats=_query_link(base, "individual_appointments", "repeated_from_id", aid)
        if row["repeat_rule"] else None,
        links={"self": own},
    )
    return out


def booking(row: dict[str, Any], base: str, subdomain: str) -> dict[str, Any]:
    """A row of `/bookings` (an individual appointment or a class), with its own link there."""
    if row["kind"] == "group":
        out = group_appointment(row, base, subdomain)
    else:
        out = appointment(row, base, subdomain)
    out["links"] = {"self": f"{base}/bookings/{row['id']}"}
    return out


GROUP_APPOINTMENT_PLAIN = (
    "created_at", "updated_at", "archived_at", "deleted_at", "starts_at", "ends_at", "notes",
    "max_attendees",
)


def group_appointment(row: dict[str, Any], base: str, subdomain: str) -> dict[str, Any]:
    """A class; `patient_ids` are its attendees who have neither cancelled nor been removed."""
    gid = row["id"]
    own = f"{base}/group_appointments/{gid}"
    out: dict[str, Any] = {"id": str(gid)}
    out.update({name: row[name] for name in GROUP_APPOINTMENT_PLAIN})
    patient_ids = row.get("patient_ids") or "[]"
    out["patient_ids"] = _ids(json.loads(patient_ids) if isinstance(patient_ids, str) else patient_ids)
    out["repeat_rule"] = row["repeat_rule"] or {}
    out["telehealth_url"] = f"{_web_root(base, subdomain)}/appointments/{gid}/connect"
    out.update(
        appointment_type=_ref(base, "appointment_types", row["appointment_type_id"]),
        attendees=link(f"{own}/attendees"),
        business=_ref(base, "businesses", row["business_id"]),
        conflicts=link(f"{own}/conflicts"),
        practitioner=_ref(base, "practitioners", row["practitioner_id"]),
        repeated_from=_ref(base, "group_appointments", row["repeated_from_id"]),
        repeats=_query_link(base, "group_appointments", "repeated_from_id", gid)
        if row["repeat_rule"] else None,
        links={"self": own},
    )
    return out


def attendee(row: dict[str, Any], base: str, subdomain: str) -> dict[str, Any]:
    """A patient's seat, in a class or on an individual appointment (whose `arrived`
    mirrors its `patient_arrived` / `did_not_arrive` flags)."""
    att_id = row["id"]
    own = f"{base}/attendees/{att_id}"
    return {
        "id": str(att_id),
        "archived_at": row["archived_at"],
        "arrived": row["arrived"],
        "booking": _ref(base, "bookings", row["booking_id"]),
        "booking_ip_address": row["booking_ip_address"],
        "cancellation_note": row["cancellation_note"],
        "cancellation_reason": row["cancellation_reason"],
        "cancellation_reason_description": CANCELLATION_REASONS.get(row["cancellation_reason"], ""),
        "cancellation_url": None,
        "cancelled_at": row["cancelled_at"],
        "created_at": row["created_at"],
        "deleted_at": row["deleted_at"],
        "email_reminder_sent": row["email_reminder_sent"],
        "invoice_status": row["invoice_status"],
        "invoices": link(f"{own}/invoices"),
        "links": {"self": own},
        "notes": row["notes"],
        "online_booking_policy_accepted": row["online_booking_policy_accepted"],
        "patient": _ref(base, "patients", row["patient_id"]),
        "patient_case": _ref(base, "patient_cases", row["patient_case_id"]),
        "patient_forms": link(f"{own}/patient_forms"),
        "sent_email_follow_ups_count": 0,
        "sent_email_reminders_count": int(bool(row["email_reminder_sent"])),
        "sent_sms_follow_ups_count": 0,
        "sent_sms_reminders_count": int(bool(row["sms_reminder_sent"])),
        "sms_reminder_sent": row["sms_reminder_sent"],
        "telehealth_url": f"{_web_root(base, subdomain)}/appointments/{row['booking_id']}/connect",
        "treatment_note_status": row["treatment_note_status"],
        "updated_at": row["updated_at"],
    }


LEGACY_APPOINTMENT_PLAIN = (
    "created_at", "updated_at", "deleted_at", "did_not_arrive", "patient_arrived",
    "email_reminder_sent", "sms_reminder_sent", "invoice_status", "treatment_note_status",
    "notes", "online_booking_policy_accepted", "booking_ip_address", "cancellation_note",
    "cancellation_reason",
)


def legacy_appointment(row: dict[str, Any], base: str, subdomain: str) -> dict[str, Any]:
    """An appointment as the deprecated `/appointments` family shows it: docs-old's
    last description of it (redguava/cliniko-api e99beae^), with today's string ids."""
    aid = row["id"]
    own = f"{base}/appointments/{aid}"
    out: dict[str, Any] = {"id": str(aid)}
    out.update({name: row[name] for name in LEGACY_APPOINTMENT_PLAIN})
    out.update(
        appointment_start=row["starts_at"],
        appointment_end=row["ends_at"],
        cancellation_time=row["cancelled_at"],
        patient_name=row.get("patient_name"),
        repeat_rule=row["repeat_rule"] or {},
        repeats=_query_link(base, "appointments", "repeated_from_appointment_id", aid)
        if row["repeat_rule"] else None,
        appointment_repeated_from=_ref(base, "appointments", row["repeated_from_id"]),
        appointment_type=_ref(base, "appointment_types", row["appointment_type_id"]),
        business=_ref(base, "businesses", row["business_id"]),
        conflicts=link(f"{own}/conflicts"),
        invoices=link(f"{own}/invoices"),
        patient=_ref(base, "patients", row["patient_id"]),
        practitioner=_ref(base, "practitioners", row["practitioner_id"]),
        links={"self": own},
    )
    return out


APPOINTMENT_TYPE_PLAIN = (
    "name", "category", "color", "description", "duration_in_minutes", "max_attendees",
    "show_in_online_bookings", "telehealth_enabled", "online_payments_enabled",
    "add_deposit_to_account_credit", "online_payments_mode", "deposit_price",
    "online_bookings_lead_time_hours", "archived_at", "created_at", "updated_at",
)


def appointment_type(row: dict[str, Any], base: str) -> dict[str, Any]:
    tid = row["id"]
    out: dict[str, Any] = {"id": str(tid)}
    out.update({name: row[name] for name in APPOINTMENT_TYPE_PLAIN})
    for name in (
        "appointment_confirmation_template_ids",
        "appointment_reminder_template_ids",
        "appointment_follow_up_template_ids",
    ):
        out[name] = _ids(row[name])
    out.update(
        appointment_type_billable_items=_query_link(
            base, "appointment_type_billable_items", "appointment_type_id", tid),
        appointment_type_products=_query_link(
            base, "appointment_type_products", "appointment_type_id", tid),
        billable_item=link(None),
        practitioners=link(f"{base}/appointment_types/{tid}/practitioners"),
        product=link(None),
        treatment_note_template=link(None),
        links={"self": f"{base}/appointment_types/{tid}"},
    )
    return out


PRACTITIONER_PLAIN = (
    "first_name", "last_name", "title", "display_name", "label", "designation",
    "description", "active", "show_in_online_bookings", "created_at", "updated_at",
)


def practitioner(row: dict[str, Any], base: str) -> dict[str, Any]:
    pid = row["id"]
    own = f"{base}/practitioners/{pid}"
    out: dict[str, Any] = {"id": str(pid)}
    out.update({name: row[name] for name in PRACTITIONER_PLAIN})
    out.update(
        appointment_types=link(f"{own}/appointment_types"),
        appointments=link(f"{own}/appointments"),
        default_appointment_type=_ref(base, "appointment_types", row["default_appointment_type_id"]),
        invoices=link(f"{own}/invoices"),
        practitioner_reference_numbers=link(f"{own}/practitioner_reference_numbers"),
        user=_ref(base, "users", row["user_id"]),
        links={"self": own},
    )
    return out


BUSINESS_PLAIN = (
    "business_name", "display_name", "label", "address_1", "address_2", "city", "state",
    "post_code", "country", "country_code", "time_zone", "time_zone_identifier",
    "email_reply_to", "website_address", "contact_information", "additional_information",
    "additional_invoice_information", "business_registration_name",
    "business_registration_value", "appointment_reminders_enabled",
    "show_in_online_bookings", "archived_at", "deleted_at", "created_at", "updated_at",
)


def business(row: dict[str, Any], base: str) -> dict[str, Any]:
    bid = row["id"]
    own = f"{base}/businesses/{bid}"
    out: dict[str, Any] = {"id": str(bid)}
    out.update({name: row[name] for name in BUSINESS_PLAIN})
    out["appointment_type_ids"] = _ids(row["appointment_type_ids"])
    out.update(
        appointments=link(f"{own}/appointments"),
        practitioners=link(f"{own}/practitioners"),
        links={"self": own},
    )
    return out


USER_PLAIN = (
    "first_name", "last_name", "title", "email", "role", "time_zone",
    "time_zone_identifier", "active", "user_active", "created_at", "updated_at",
)


def user(row: dict[str, Any], base: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(row["id"])}
    out.update({name: row[name] for name in USER_PLAIN})
    out["phone_numbers"] = row["phone_numbers"] or []
    out["links"] = {"self": f"{base}/users/{row['id']}"}
    return out


def _web_root(base: str, subdomain: str) -> str:
    """The clinic's web host; the sandbox serves no UI, so this only has to look right."""
    return f"https://{subdomain}.sandbox.cliniko.invalid"
