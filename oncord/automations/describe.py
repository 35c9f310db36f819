"""Automations in staff words: the trigger as a sentence, amounts of time, and steps.

Kept apart from the engine so the pages can say what an automation does without knowing how it runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from oncord.extensions import db
from oncord.models import AppointmentType, Business, Practitioner

MINUTES_PER = {"minutes": 1, "hours": 60, "days": 1440}


@dataclass(frozen=True, slots=True)
class Names:
    """Display names of the synced things filters point at, by Cliniko id."""

    appointment_types: dict[int, str]
    practitioners: dict[int, str]
    locations: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Names":
        types = {t.id: t.name for t in db.session.scalars(select(AppointmentType))}
        practitioners = {p.id: p.name for p in db.session.scalars(select(Practitioner))}
        return cls(types, practitioners, Business.names())


def location_label(business_id: int, locations: dict[int, str]) -> str:
    """The synced business name; a location Cliniko no longer lists keeps its id so staff can still tell it apart."""
    return locations.get(business_id) or f"Location #{business_id}"


def amount_and_unit(minutes: int | None, units=("minutes", "hours", "days")) -> tuple[int, str]:
    """The largest whole unit for an amount of minutes; up to two days reads better in hours ("24 hours")."""
    minutes = minutes or 0
    if "days" in units and minutes and minutes % 1440 == 0 and (minutes > 2880 or "hours" not in units):
        return minutes // 1440, "days"
    if "hours" in units and minutes % 60 == 0 and (minutes or "minutes" not in units):
        return minutes // 60, "hours"
    if "minutes" not in units:
        return max(1, round(minutes / 60)), "hours"
    return minutes, "minutes"


def duration_in_words(minutes: int | None) -> str:
    amount, unit = amount_and_unit(minutes)
    return f"{amount} {unit[:-1] if amount == 1 else unit}"


def _article(name: str) -> str:
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _what(automation, names: Names) -> str:
    """"an Initial Consultation with Dr Lee at North Clinic", or "an appointment"."""
    type_ids = list(automation.appointment_type_ids or [])
    types = [names.appointment_types.get(i, f"appointment type #{i}") for i in type_ids]
    kinds = getattr(automation, "booking_kinds", None) or "both"
    anything = {"individual": "an individual appointment", "group": "a group class"}.get(kinds, "an appointment")
    words = _either([_article(t) for t in types]) if types else anything
    if types and kinds == "group":
        words += " class"
    people = [names.practitioners.get(i, f"practitioner #{i}") for i in automation.practitioner_ids or []]
    if people:
        words += " with " + _either(people)
    places = [location_label(i, names.locations) for i in automation.business_ids or []]
    if places:
        words += " at " + _either(places)
    return words


def trigger_in_words(automation, names: Names) -> str:
    """The sentence on the list: "24 hours before an Initial Consultation with Dr Lee"."""
    what = _what(automation, names)
    match automation.trigger:
        case "upcoming":
            return f"{duration_in_words(automation.offset_minutes)} before {what}"
        case "cancelled":
            return f"When {what} is cancelled"
        case "did_not_arrive":
            return f"When a patient did not arrive for {what}"
        case "finished":
            return f"{duration_in_words(automation.grace_minutes)} after {what} ends"
        case "booked":
            if automation.first_appointment_only:
                return f"When a patient's first appointment is booked ({what})" if what != "an appointment" \
                    else "When a patient's first appointment is booked"
            return f"When {what} is booked"
        case "no_return":
            days = automation.no_return_days or 0
            return f"{days} day{'' if days == 1 else 's'} after {what}, when nothing else is booked"
    return "Not set up yet"


def step_in_words(step, templates: dict[int, str], staff: dict[int, str]) -> str:
    match step.type:
        case "email" | "sms":
            channel = "email" if step.type == "email" else "SMS"
            name = templates.get(step.template_id, "a template that was deleted")
            return f"Send the {channel} “{name}” ({step.kind})"
        case "wait":
            return f"Wait {duration_in_words(step.wait_minutes)}"
        case "notify_staff":
            return f"Email {staff.get(step.staff_user_id, 'a staff member')}"
    return step.type
