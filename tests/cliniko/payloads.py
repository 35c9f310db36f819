"""Raw Cliniko JSON shaped like the spec's examples, for exact-reply tests."""

from __future__ import annotations

from typing import Any

BASE = "https://api.au2.cliniko.com/v1"


def link(path: str) -> dict[str, Any]:
    return {"links": {"self": f"{BASE}{path}"}}


def patient(id: str = "1390710863102485699", **overrides: Any) -> dict[str, Any]:
    raw = {
        "id": id,
        "created_at": "2024-04-02T19:50:11Z",
        "updated_at": "2024-05-10T02:13:40Z",
        "archived_at": None, "deleted_at": None, "merged_at": None,
        "title": "Ms", "first_name": "Jane", "last_name": "Citizen", "preferred_first_name": None,
        "label": "Jane Citizen",
        "email": "jane@example.com",
        "patient_phone_numbers": [
            {"phone_type": "Home", "number": "03 9000 0000", "normalized_number": "61390000000"},
            {"phone_type": "Mobile", "number": "0412 345 678", "normalized_number": "61412345678"},
        ],
        "address_1": "1 Smith Street", "address_2": None, "address_3": None,
        "city": "Melbourne", "state": "Victoria", "post_code": "3000",
        "country": "Australia", "country_code": "AU",
        "date_of_birth": "1985-03-15",
        "sex": "Female", "gender_identity": None, "gender": "Female", "pronouns": None,
        "accepted_email_marketing": True, "accepted_sms_marketing": False, "accepted_privacy_policy": True,
        "receives_confirmation_emails": True, "receives_cancellation_emails": True,
        "reminder_type": "SMS & Email", "time_zone": "Australia/Melbourne",
        "notes": None, "old_reference_id": None, "custom_fields": None,
        "concession_type": link("/concession_types/1"),
        "referring_doctor": link("/contacts/1"),
        "appointments": link(f"/patients/{id}/appointments"),
        "attendees": {"links": {"self": f"{BASE}/attendees?q%5B%5D=patient_id%3A%3D{id}"}},
        "latest_booking": link("/bookings/1390726237298631770"),
        "merged_with_patient": None,
        "links": {"self": f"{BASE}/patients/{id}"},
    }
    raw.update(overrides)
    return raw


def appointment(id: str = "1390726237298631770", **overrides: Any) -> dict[str, Any]:
    raw = {
        "id": id,
        "starts_at": "2024-06-01T00:00:00Z", "ends_at": "2024-06-01T00:30:00Z",
        "created_at": "2024-05-01T10:00:00Z", "updated_at": "2024-05-02T10:00:00Z",
        "patient": link("/patients/1390710863102485699"),
        "practitioner": link("/practitioners/1187447262236631478"),
        "appointment_type": link("/appointment_types/1187447262941275010"),
        "business": link("/businesses/1187447262513456065"),
        "patient_case": None,
        "repeated_from": None, "repeats": None, "repeat_rule": {},
        "patient_name": "Jane Citizen", "notes": None,
        "cancelled_at": None, "cancellation_reason": None, "cancellation_reason_description": "",
        "cancellation_note": None, "did_not_arrive": False, "patient_arrived": None,
        "archived_at": None, "deleted_at": None, "telehealth_url": None,
        "invoice_status": None, "treatment_note_status": None,
        "links": {"self": f"{BASE}/individual_appointments/{id}"},
    }
    raw.update(overrides)
    return raw


def page(key: str, rows: list[dict[str, Any]], *, total: int, next_url: str | None = None) -> dict[str, Any]:
    links = {"self": f"{BASE}/{key}?page=1&per_page=100"}
    if next_url:
        links["next"] = next_url
    return {key: rows, "total_entries": total, "links": links}
