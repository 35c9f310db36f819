"""What the automation editor needs: choices from synced data, checks that depend on the trigger,
turning the form into an automation and its ordered steps, and the step buttons (add, remove, move).

The engine (tick, preview) reads the models; this module only writes what staff set.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from oncord.automations.describe import MINUTES_PER, amount_and_unit, location_label
from oncord.automations.promotional_wording import promotional_phrases
from oncord.extensions import db
from oncord.forms.automations import MAX_STEPS, STEP_TYPES
from oncord.models import AppointmentType, Automation, AutomationStep, Business, MessageTemplate, Practitioner, User

SEND_STEPS = {"email", "sms"}


class AutomationNotFound(LookupError):
    pass


def get_automation(automation_id: int, *, deleted_too: bool = False) -> Automation:
    """A deleted automation is not found, except for reading its run log (`deleted_too`)."""
    automation = db.session.get(Automation, automation_id)
    if automation is None or (automation.deleted_at is not None and not deleted_too):
        raise AutomationNotFound(automation_id)
    return automation


@dataclass(frozen=True, slots=True)
class Choices:
    """Everything the editor's pickers offer; ids already chosen stay pickable even if no longer synced."""

    appointment_types: list[tuple[int, str]]
    practitioners: list[tuple[int, str]]
    locations: list[tuple[int, str]]
    templates: dict[str, list[tuple[int, str]]]  # by channel
    staff: list[tuple[int, str]]
    template_texts: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # id -> (subject, body, kind)


def location_choices(chosen: list[int] = ()) -> list[tuple[int, str]]:
    """The synced locations in use, by name; an archived or no longer synced one stays listed while it is chosen."""
    chosen_ids = {int(i) for i in chosen or []}
    names = {b.id: b.label for b in db.session.scalars(select(Business))
             if b.archived_at is None or b.id in chosen_ids}
    pairs = [(i, location_label(i, names)) for i in set(names) | chosen_ids]
    return sorted(pairs, key=lambda pair: (pair[1].lower(), pair[0]))


def load_choices(chosen_locations: list[int] = ()) -> Choices:
    types = [(t.id, t.name) for t in db.session.scalars(select(AppointmentType).order_by(AppointmentType.name))
             if t.archived_at is None]
    people = sorted(((p.id, p.name) for p in db.session.scalars(select(Practitioner))), key=lambda p: p[1].lower())
    locations = location_choices(chosen_locations)
    templates: dict[str, list[tuple[int, str]]] = {"email": [], "sms": []}
    texts = {}
    for template in db.session.scalars(select(MessageTemplate).order_by(MessageTemplate.name)):
        templates.setdefault(template.channel, []).append((template.id, template.name))
        texts[template.id] = (template.subject or "", template.body or "", template.kind)
    staff = [(u.id, f"{u.name} ({u.email})") for u in db.session.scalars(select(User).where(User.active).order_by(User.name))]
    return Choices(types, people, locations, templates, staff, texts)


def _options(pairs, empty: str | None = None) -> list[SelectChoice]:
    return ([SelectChoice("", empty)] if empty else []) + [SelectChoice(value, label) for value, label in pairs]


def set_choices(form, choices: Choices) -> None:
    form.appointment_type_ids.choices = _options(choices.appointment_types)
    form.practitioner_ids.choices = _options(choices.practitioners)
    form.business_ids.choices = _options(choices.locations)
    for step in form.steps:
        if step.step_type.data in SEND_STEPS:
            step.template_id.choices = _options(choices.templates.get(step.step_type.data, []), "Choose a template")
        step.staff_user_id.choices = _options(choices.staff, "Choose a staff member")


def form_data(automation: Automation) -> dict:
    """The editor's fields for a saved automation."""
    offset, unit = amount_and_unit(automation.offset_minutes)
    steps = []
    for step in automation.steps:
        wait, wait_unit = amount_and_unit(step.wait_minutes, units=("hours", "days")) if step.wait_minutes else (1, "days")
        steps.append({"step_type": step.type, "template_id": step.template_id, "kind": step.kind or "factual",
                      "wait_amount": wait, "wait_unit": wait_unit, "staff_user_id": step.staff_user_id})
    return {
        "name": automation.name, "trigger": automation.trigger, "offset_amount": offset, "offset_unit": unit,
        "late_booking": automation.late_booking or "send", "grace_minutes": automation.grace_minutes,
        "no_return_days": automation.no_return_days,
        "first_appointment_only": "first" if automation.first_appointment_only else "all",
        "booking_kinds": automation.booking_kinds or "both",
        "appointment_type_ids": list(automation.appointment_type_ids or []),
        "practitioner_ids": list(automation.practitioner_ids or []),
        "business_ids": list(automation.business_ids or []),
        "spacing_tag": automation.tag or "", "spacing_days": automation.skip_if_messaged_within_days,
        "steps": steps,
    }


def new_step(step_type: str) -> dict:
    return {"step_type": step_type, "template_id": None, "kind": "factual", "wait_amount": 1, "wait_unit": "days",
            "staff_user_id": None}


def apply_step_action(steps: list[dict], action: str) -> list[dict]:
    """The step buttons: "add-sms", "remove-2", "up-1", "down-0". Anything else leaves the steps alone."""
    steps = list(steps)
    verb, _, arg = (action or "").partition("-")
    if verb == "add" and arg in STEP_TYPES and len(steps) < MAX_STEPS:
        steps.append(new_step(arg))
        return steps
    if not (arg.isascii() and arg.isdigit()) or int(arg) >= len(steps):
        return steps
    index = int(arg)
    if verb == "remove":
        del steps[index]
    elif verb == "up" and index > 0:
        steps[index - 1], steps[index] = steps[index], steps[index - 1]
    elif verb == "down" and index < len(steps) - 1:
        steps[index + 1], steps[index] = steps[index], steps[index + 1]
    return steps


def promotional_warnings(form, choices: Choices) -> dict[int, list[str]]:
    """Per step (by position): promotional phrases in the template of a step sent as factual."""
    warnings = {}
    for index, step in enumerate(form.steps):
        if step.step_type.data in SEND_STEPS and step.kind.data == "factual":
            subject, body, _ = choices.template_texts.get(step.template_id.data, ("", "", ""))
            if phrases := promotional_phrases(subject, body):
                warnings[index] = phrases
    return warnings


def check(form, choices: Choices) -> bool:
    """What WTForms cannot know: fields the trigger needs, and each step complete. Errors go beside fields."""
    ok = True

    def refuse(f, message):
        nonlocal ok
        f.errors = list(f.errors) + [message]
        ok = False

    trigger = form.trigger.data
    if trigger == "upcoming" and form.offset_amount.data is None:
        refuse(form.offset_amount, "Say how long before the appointment.")
    if trigger == "upcoming" and form.offset_amount.data is not None and \
            form.offset_amount.data * MINUTES_PER.get(form.offset_unit.data, 1) > 60 * 24 * 365:
        refuse(form.offset_amount, "At most a year before the appointment.")
    if trigger == "no_return" and not form.no_return_days.data:
        refuse(form.no_return_days, "Say how many days after the last visit.")
    if bool((form.spacing_tag.data or "").strip()) != bool(form.spacing_days.data):
        target = form.spacing_days if (form.spacing_tag.data or "").strip() else form.spacing_tag
        refuse(target, "Give both a tag and a number of days, or neither.")
    if not any(s.step_type.data in SEND_STEPS | {"notify_staff"} for s in form.steps):
        form.step_problems.append("Add a step that sends a message or tells a staff member.")
        ok = False
    for step in form.steps:
        kind = step.step_type.data
        if kind not in STEP_TYPES:
            form.step_problems.append("A step was not understood; add it again.")
            ok = False
        elif kind in SEND_STEPS:
            if step.template_id.data not in dict(choices.templates.get(kind, [])):
                refuse(step.template_id, f"Choose an {'email' if kind == 'email' else 'SMS'} template.")
            if step.kind.data not in {"factual", "marketing"}:
                refuse(step.kind, "Choose factual or marketing.")
        elif kind == "wait":
            if not step.wait_amount.data:
                refuse(step.wait_amount, "Say how long to wait.")
            if step.wait_unit.data not in MINUTES_PER:
                refuse(step.wait_unit, "Choose hours or days.")
        elif kind == "notify_staff" and step.staff_user_id.data not in dict(choices.staff):
            refuse(step.staff_user_id, "Choose who to tell.")
    return ok


def apply(form, automation: Automation) -> None:
    """Copy the checked form onto the automation; steps are replaced in their new order."""
    trigger = form.trigger.data
    automation.name = (form.name.data or "").strip()
    automation.trigger = trigger
    automation.offset_minutes = (form.offset_amount.data or 0) * MINUTES_PER.get(form.offset_unit.data, 1)
    automation.late_booking = form.late_booking.data if form.late_booking.data in {"send", "skip"} else "send"
    automation.grace_minutes = 60 if form.grace_minutes.data is None else form.grace_minutes.data
    automation.no_return_days = form.no_return_days.data
    automation.first_appointment_only = form.first_appointment_only.data == "first"
    automation.booking_kinds = form.booking_kinds.data if form.booking_kinds.data in {"individual", "group"} else "both"
    automation.appointment_type_ids = list(form.appointment_type_ids.data or [])
    automation.practitioner_ids = list(form.practitioner_ids.data or [])
    automation.business_ids = list(form.business_ids.data or [])
    automation.tag = (form.spacing_tag.data or "").strip() or None
    automation.skip_if_messaged_within_days = form.spacing_days.data if automation.tag else None
    # Rows are reused by position: positions are unique, and SQLAlchemy inserts before it deletes.
    existing = list(automation.steps)
    for position, step in enumerate(form.steps):
        if position == len(existing):
            existing.append(AutomationStep(position=position))
            automation.steps.append(existing[position])
        row, kind = existing[position], step.step_type.data
        row.type = kind
        row.template_id = step.template_id.data if kind in SEND_STEPS else None
        row.kind = step.kind.data if kind in SEND_STEPS else "factual"
        row.wait_minutes = step.wait_amount.data * MINUTES_PER[step.wait_unit.data] if kind == "wait" else None
        row.staff_user_id = step.staff_user_id.data if kind == "notify_staff" else None
    del automation.steps[len(form.steps):]


def unsaved_copy(form, automation_id: int | None) -> Automation:
    """The form as an automation that is never added to the session, for the live preview.

    Steps get their template loaded by hand: a row that is not in the session loads no relationships.
    """
    automation = Automation(enabled=False)
    apply(form, automation)
    automation.id = automation_id if automation_id and 0 < automation_id < 2**31 else None  # its own runs
    for step in automation.steps:
        step.template = db.session.get(MessageTemplate, step.template_id) if step.template_id else None
    return automation
