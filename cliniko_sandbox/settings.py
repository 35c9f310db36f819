"""`GET /settings` and `GET /settings/public`: the account's settings, shaped as the
spec's `Settings` and `PublicSettings` schemas (every property present).

The account part comes from the world's account; the rest are Cliniko's defaults
for a new Australian account (the spec gives types, not values: these are choices).
`/settings` needs a role that can view settings (`account.SETTINGS_ROLES`), else 403;
`/settings/public` is the reduced version any key may read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from cliniko_sandbox.people import TITLES
from cliniko_sandbox.responses import json_response, message

if TYPE_CHECKING:
    from cliniko_sandbox.world import World

# What `PublicSettings` leaves out of `Settings` (section -> its private properties).
PRIVATE = {
    "account": ("compliance", "email_from", "first_name", "last_name"),
    "integrations": ("medipass",),
    "online_bookings": ("adroll", "google_analytics", "google_tag_manager"),
    "patient_privacy": ("anonymise_appointments_on_deletion", "anonymise_booking_notifications",
                        "anonymise_invoices_and_payments_on_deletion", "baa_requested"),
}


def settings(world: World) -> dict[str, Any]:
    """The whole `Settings` object for the world's account."""
    account = world.account()
    practitioners = world.store.select(
        "SELECT id FROM practitioners WHERE active = 1 AND show_in_online_bookings = 1 "
        "ORDER BY last_name, first_name, id")
    return {
        "account": {
            "compliance": {"has_hipaa_compliance_conflicts": False,
                           "hipaa_compliance-conflict_messages": []},
            "country": account["country"], "country_code": account["country_code"],
            "currency_symbol": account["currency_symbol"], "email_from": account["email_from"],
            "first_name": account["first_name"], "has_time_travelers": False,
            "id": str(account["id"]), "last_name": account["last_name"],
            "name": account["name"], "subdomain": account["subdomain"],
            "time_zone_support": bool(account["time_zone_support"]),
        },
        "calendar": {
            "end_hour": 20, "multiple_appointments_gap": False,
            "show_current_time_indicator": True, "start_hour": 7,
            "timeslot_height_in_pixels": 20, "timeslot_size_in_minutes": 15,
        },
        "documents_and_printing": {"logo_height": 60, "logo_url": None},
        "integrations": {"mail_chimp": {"enabled": False}, "medipass": {"enabled": False},
                         "xero": {"enabled": False}},
        "online_bookings": {
            "adroll": {"advertiser_id": None, "pixel_id": None},
            "allow_bookings_days_in_advance": 90,
            "allow_online_bookings_time_zone_choice": False,
            "booking_reservation_minutes": 10, "calendar_info": None,
            "daily_bookings_limit": 0, "disabled_text": None, "disabled_title": None,
            "enabled": True, "google_analytics": {"tracking_id": None},
            "google_tag_manager": {"container_id": None}, "logo_url": None,
            "max_appointments_per_day_segment": 0, "min_hours_advance_required_to_book": 2,
            "min_hours_notice_for_patient_cancellation": 24, "notice_enabled": False,
            "notice_text": None, "notice_title": None, "notify_practitioner_by_email": True,
            "notify_practitioner_by_sms": False, "policy": None,
            "practitioner_order": [str(r[0]) for r in practitioners],
            "privacy_policy_url": None, "require_patient_address": False,
            "show_appointment_duration": True, "show_prices": False,
        },
        "online_payments": {"activated": False},
        "patient_custom_fields_definition": {"sections": []},  # patients carry none
        "patient_privacy": {
            "anonymise_appointments_on_deletion": False,
            "anonymise_booking_notifications": False,
            "anonymise_invoices_and_payments_on_deletion": False, "baa_requested": False,
            "browser_title_name_format": "full_name", "ical_patient_name_option": "full_name",
            "prevent_sending_financial_data_by_email": False, "requires_hipaa_compliance": False,
        },
        "reminders": {"default_reminder_type": "SMS & Email"},
        "sms": {
            "alphanumeric_source_number_required": False,
            # an Australian alphanumeric sender id: at most 11 letters and digits
            "default_alphanumeric_source_number":
                "".join(ch for ch in account["name"] if ch.isalnum())[:11] or "Clinic",
            "max_message_length": None, "number_of_usable_characters_per_message": 160,
            "replies_supported": True,
        },
        "terminology": {"patient": "patient", "titles": [t for t in TITLES if t]},
        "wait_list": {"default_wait_list_expiry_period": 30},
    }


def public_settings(world: World) -> dict[str, Any]:
    """`PublicSettings`: the same sections with the private properties taken out."""
    full = settings(world)
    for section, names in PRIVATE.items():
        full[section] = {k: v for k, v in full[section].items() if k not in names}
    return full


class SettingsRoutes:
    """`Api` mixes these in; the role gate is the key's user's, as in Cliniko."""

    world: World

    def show_settings(self, request: Request, base: str) -> Response:
        if not self.world.can_view_settings():
            return message("Forbidden", 403)
        return json_response(settings(self.world))

    def show_public_settings(self, request: Request, base: str) -> Response:
        return json_response(public_settings(self.world))
