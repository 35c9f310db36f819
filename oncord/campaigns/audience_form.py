"""The audience builder's form fields: read into `Conditions` with an error per field, and back again.

Plain parsing (no FlaskForm) so the builder can sit inside any form: the campaign editor embeds
`campaigns/_audience_builder.html`, whose field names all start with `aud_`, and saves
`conditions_from_form(request.form).to_json()`. CSRF is the enclosing form's (or HTMX's header).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from oncord.campaigns.conditions import BOOKING_KINDS, LINKED, STATUSES, UPCOMING, Conditions, DateRange
from oncord.extensions import db
from oncord.models import AppointmentType, Business, Practitioner

PREFIX = "aud_"
RANGES = {"appointment_date": "Appointment date", "booked": "Booked", "first_appointment": "First appointment"}
RANGE_MODES = {"": "Any time", "between": "Between dates", "last": "In the last … days", "next": "In the next … days",
               "this_month": "This month", "last_month": "Last month"}
MAX_DAYS = 3650
MAX_MONTHS = 240
ID_LISTS = {"appointment_type_ids": "appointment type", "practitioner_ids": "practitioner", "business_ids": "location"}


class AudienceFormError(ValueError):
    """Some fields could not be read; `errors` maps each field name to a message for staff."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def conditions_from_form(form) -> Conditions:
    """The conditions the builder's fields describe (`form`: a MultiDict such as request.form).

    Raises AudienceFormError naming each field it could not read; empty fields mean "any"."""
    errors: dict[str, str] = {}
    ranges = {name: _range(form, name, errors) for name in RANGES}
    ids = {name: _ids(form, name, what, errors) for name, what in ID_LISTS.items()}
    statuses = tuple(_getlist(form, "statuses"))
    if unknown := [s for s in statuses if s not in STATUSES]:
        errors[PREFIX + "statuses"] = f"“{unknown[0]}” is not an appointment status."
    booking_kind = _get(form, "booking_kind")
    if booking_kind not in ("", *BOOKING_KINDS):
        errors[PREFIX + "booking_kind"] = "Choose individual appointments, group classes, or both."
    upcoming = _get(form, "upcoming")
    if upcoming not in ("", *UPCOMING):
        errors[PREFIX + "upcoming"] = "Choose whether they have an upcoming appointment."
    linked = _get(form, "linked")
    if linked not in ("", *LINKED):
        errors[PREFIX + "linked"] = "Choose linked or not linked to Cliniko."
    months = _number(form, "last_appointment_months", 1, MAX_MONTHS, "months", errors, "Last appointment")
    if errors:
        raise AudienceFormError(errors)
    return Conditions(
        appointment_date=ranges["appointment_date"], booked=ranges["booked"],
        appointment_type_ids=ids["appointment_type_ids"], practitioner_ids=ids["practitioner_ids"],
        business_ids=ids["business_ids"], statuses=tuple(s for s in STATUSES if s in statuses),
        booking_kind=booking_kind or None, upcoming=upcoming or None, last_appointment_months=months,
        first_appointment=ranges["first_appointment"], linked=linked or None)


def form_values(conditions: Conditions) -> dict:
    """The builder's field values for `conditions` (a saved campaign, a ready-made audience)."""
    values: dict = {f"{PREFIX}{name}": list(getattr(conditions, name)) for name in ID_LISTS}
    values[PREFIX + "statuses"] = list(conditions.statuses)
    values[PREFIX + "booking_kind"] = conditions.booking_kind or ""
    values[PREFIX + "upcoming"] = conditions.upcoming or ""
    values[PREFIX + "linked"] = conditions.linked or ""
    values[PREFIX + "last_appointment_months"] = conditions.last_appointment_months or ""
    for name in RANGES:
        values.update(_range_values(name, getattr(conditions, name)))
    return values


def values_from_form(form) -> dict:
    """What was typed, as `form_values` gives it, so a builder with errors shows the input again."""
    values: dict = {f"{PREFIX}{name}": _getlist(form, name) for name in ID_LISTS}
    values[PREFIX + "statuses"] = _getlist(form, "statuses")
    for name in ("booking_kind", "upcoming", "linked", "last_appointment_months",
                 *(f"{r}_{part}" for r in RANGES for part in ("mode", "start", "end", "days"))):
        values[PREFIX + name] = _get(form, name)
    return values


@dataclass(frozen=True)
class Choices:
    """The synced lists the multi-selects offer: (id, name), archived ones only when already chosen."""
    appointment_types: list[tuple[int, str]] = field(default_factory=list)
    practitioners: list[tuple[int, str]] = field(default_factory=list)
    locations: list[tuple[int, str]] = field(default_factory=list)


def load_choices() -> Choices:
    types = [(t.id, t.name) for t in db.session.scalars(select(AppointmentType).order_by(AppointmentType.name))
             if t.archived_at is None]
    people = sorted(((p.id, p.name) for p in db.session.scalars(select(Practitioner))), key=lambda p: p[1].lower())
    places = sorted(((b.id, b.label) for b in db.session.scalars(select(Business)) if b.archived_at is None),
                    key=lambda p: p[1].lower())
    return Choices(types, people, places)


def builder_context(conditions: Conditions | None = None, *, form=None, errors: dict | None = None) -> dict:
    """What `campaigns/_audience_builder.html` needs: the field values (from `conditions`, or what was
    typed in `form`), the lists to choose from, any errors, the ready-made audiences."""
    from oncord.campaigns.audience import PRESETS

    values = values_from_form(form) if form is not None else form_values(conditions or Conditions())
    return {"audience_values": values, "audience_choices": load_choices(), "audience_errors": errors or {},
            "audience_presets": {key: label for key, (label, _) in PRESETS.items()},
            "audience_ranges": RANGES, "audience_range_modes": RANGE_MODES, "audience_statuses": STATUSES,
            "audience_booking_kinds": BOOKING_KINDS,
            "audience_upcoming": UPCOMING, "audience_linked": LINKED}


def _get(form, name: str) -> str:
    return (form.get(PREFIX + name) or "").strip()


def _getlist(form, name: str) -> list[str]:
    values = form.getlist(PREFIX + name) if hasattr(form, "getlist") else form.get(PREFIX + name) or []
    return [v.strip() for v in ([values] if isinstance(values, str) else values) if v and v.strip()]


def _ids(form, name: str, what: str, errors: dict) -> tuple[int, ...]:
    found = set()
    for value in _getlist(form, name):
        if not (value.isascii() and value.isdigit() and 0 < int(value) < 2**63):
            errors[PREFIX + name] = f"Choose each {what} from the list."
            return ()
        found.add(int(value))
    return tuple(sorted(found))


def _number(form, name: str, low: int, high: int, unit: str, errors: dict, label: str) -> int | None:
    value = _get(form, name)
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
        errors[PREFIX + name] = f"{label}: enter a whole number of {unit} from {low} to {high:,}."
        return None
    return int(value)


def _range(form, name: str, errors: dict) -> DateRange | None:
    mode = _get(form, f"{name}_mode")
    label = RANGES[name]
    if mode == "":
        return None
    if mode == "this_month":
        return DateRange(calendar_month=0)
    if mode == "last_month":
        return DateRange(calendar_month=-1)
    if mode in ("last", "next"):
        days = _number(form, f"{name}_days", 1, MAX_DAYS, "days", errors, label)
        if days is None:
            errors.setdefault(PREFIX + f"{name}_days", f"{label}: enter how many days.")
            return None
        return DateRange(last_days=days) if mode == "last" else DateRange(next_days=days)
    if mode == "between":
        start, end = (_day(form, f"{name}_{part}", label, errors) for part in ("start", "end"))
        if start is None and end is None:
            errors.setdefault(PREFIX + f"{name}_start", f"{label}: enter a start date, an end date or both.")
            return None
        if start and end and start > end:
            errors[PREFIX + f"{name}_end"] = f"{label}: the end date is before the start date."
            return None
        return DateRange(start=start, end=end)
    errors[PREFIX + f"{name}_mode"] = f"{label}: choose a kind of date range from the list."
    return None


def _day(form, name: str, label: str, errors: dict) -> date | None:
    value = _get(form, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[PREFIX + name] = f"{label}: “{value}” is not a date (use the date picker, or YYYY-MM-DD)."
        return None


def _range_values(name: str, value: DateRange | None) -> dict:
    out = {f"{PREFIX}{name}_{part}": "" for part in ("mode", "start", "end", "days")}
    if value is None:
        return out
    if value.calendar_month == 0:
        out[f"{PREFIX}{name}_mode"] = "this_month"
    elif value.calendar_month == -1:
        out[f"{PREFIX}{name}_mode"] = "last_month"
    elif value.last_days is not None:
        out |= {f"{PREFIX}{name}_mode": "last", f"{PREFIX}{name}_days": value.last_days}
    elif value.next_days is not None:
        out |= {f"{PREFIX}{name}_mode": "next", f"{PREFIX}{name}_days": value.next_days}
    else:
        out |= {f"{PREFIX}{name}_mode": "between", f"{PREFIX}{name}_start": value.start.isoformat() if value.start else "",
                f"{PREFIX}{name}_end": value.end.isoformat() if value.end else ""}
    return out
