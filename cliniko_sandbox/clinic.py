"""Clinic set-up: appointment types, practitioners and businesses.

`World` mixes this in, so the `/v1` API and the control surface change the
clinic through the same methods (and `updated_at` moves as in Cliniko).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cliniko_sandbox import resources, validation
from cliniko_sandbox.seed import appointment_type_row, practitioner_row

if TYPE_CHECKING:
    from cliniko_sandbox.seed import Clinic
    from cliniko_sandbox.store import IdMint, Store


class ClinicSetup:
    """Types, practitioners and businesses; needs `World`'s store, mint and lookups."""

    store: Store
    mint: IdMint
    clinic: Clinic | None

    def add_appointment_type(self, /, name: str = "Standard Consultation",
                             duration_in_minutes: int = 30, **fields: Any) -> dict[str, Any]:
        values = validation.clean_appointment_type(
            {"name": name, "duration_in_minutes": duration_in_minutes, **fields}, creating=True)
        values.setdefault("practitioner_ids", self.clinic.practitioner_ids if self.clinic else [])
        business_ids = values.pop("business_ids", None)
        row = appointment_type_row(self.mint.one(), self.now(), **values)
        self.store.insert("appointment_types", row)
        if business_ids is not None:
            self._offer_type_at(row["id"], business_ids)
        return self.fetch(resources.APPOINTMENT_TYPES, row["id"], ["archived_at:*"])

    def update_appointment_type(self, type_id: int | str, /, **body: Any) -> dict[str, Any]:
        row = self._row("appointment_types", type_id)
        values = validation.clean_appointment_type(body, creating=False)
        business_ids = values.pop("business_ids", None)
        self.store.update("appointment_types", row["id"], {**values, "updated_at": self.now()})
        if business_ids is not None:
            self._offer_type_at(row["id"], business_ids)
        return self.fetch(resources.APPOINTMENT_TYPES, row["id"], ["archived_at:*"])

    def _offer_type_at(self, type_id: int, business_ids: list[int]) -> None:
        """`business_ids` is write-only on a type; Cliniko shows it as each business's
        `appointment_type_ids`."""
        for business in self.store.select("SELECT id, appointment_type_ids FROM businesses"):
            offered = [t for t in json.loads(business[1] or "[]") if t != type_id]
            if business[0] in business_ids:
                offered.append(type_id)
            self.store.update("businesses", business[0], {"appointment_type_ids": offered})

    def add_practitioner(self, first_name: str = "Sam", last_name: str = "Taylor",
                         **fields: Any) -> dict[str, Any]:
        stamp = self.now()
        user_id = self.mint.one()
        self.store.insert("users", {
            "id": user_id, "first_name": first_name, "last_name": last_name,
            "email": f"practitioner{user_id % 100000}@clinic.example", "role": "practitioner",
            "time_zone": "Melbourne", "time_zone_identifier": "Australia/Melbourne",
            "active": True, "user_active": True, "phone_numbers": [],
            "created_at": stamp, "updated_at": stamp})
        fields.setdefault("business_ids", [r[0] for r in self.store.select(
            "SELECT id FROM businesses ORDER BY id LIMIT 1")])
        row = practitioner_row(self.mint.one(), stamp, first_name=first_name,
                               last_name=last_name, user_id=user_id, **fields)
        self.store.insert("practitioners", row)
        return self.fetch(resources.PRACTITIONERS, row["id"])

    def set_practitioner_active(self, practitioner_id: int | str, active: bool) -> dict[str, Any]:
        row = self._row("practitioners", practitioner_id)
        self.store.update("practitioners", row["id"], {"active": active, "updated_at": self.now()})
        return self.fetch(resources.PRACTITIONERS, row["id"])

    def add_business(self, /, business_name: str = "Sandbox Clinic", **fields: Any
                     ) -> dict[str, Any]:
        values = validation.clean_business({"business_name": business_name, **fields},
                                           creating=True)
        stamp = self.now()
        types = [r[0] for r in self.store.select("SELECT id FROM appointment_types")]
        row = {"id": self.mint.one(), "country": "Australia", "country_code": "AU",
               "time_zone": "Melbourne", "time_zone_identifier": "Australia/Melbourne",
               "appointment_reminders_enabled": True, "show_in_online_bookings": True,
               "appointment_type_ids": types, "created_at": stamp, "updated_at": stamp,
               **{k: v for k, v in values.items() if v is not None}}
        row["display_name"] = row.get("display_name") or row["business_name"]
        row["label"] = row["display_name"]
        self.store.insert("businesses", row)
        return self.fetch(resources.BUSINESSES, row["id"], ["archived_at:*"])

    def update_business(self, business_id: int | str, /, **body: Any) -> dict[str, Any]:
        row = self._row("businesses", business_id)
        values = validation.clean_business(body, creating=False)
        if "display_name" in values or "business_name" in values:
            merged = {**row, **values}
            values["label"] = merged["display_name"] or merged["business_name"]
        return self._touch_business(row["id"], values)

    def archive_business(self, business_id: int | str) -> dict[str, Any]:
        return self._touch_business(business_id, {"archived_at": self.now()})

    def unarchive_business(self, business_id: int | str) -> dict[str, Any]:
        return self._touch_business(business_id, {"archived_at": None})

    def _touch_business(self, business_id: int | str, values: dict[str, Any]) -> dict[str, Any]:
        row = self._row("businesses", business_id)
        self.store.update("businesses", row["id"], {**values, "updated_at": self.now()})
        return self.fetch(resources.BUSINESSES, row["id"], reveal=resources.BUSINESSES.hidden)
