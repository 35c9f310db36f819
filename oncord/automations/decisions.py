"""Whom an automation skips, and why, in staff words: the same checks for the tick and the preview."""
from __future__ import annotations

from datetime import datetime, timedelta

from oncord.automations import clinic_time, triggers
from oncord.automations.facts import LIVE, LiveFacts, spacing_tag
from oncord.messaging import eligibility
from oncord.models import (
    Appointment, Automation, AutomationStep, ConsentStatus, Contact, LateBooking, StepType, Trigger,
)


def why_not_start(automation: Automation, candidate: triggers.Candidate, facts: LiveFacts = LIVE) -> str | None:
    """Why a run is not started at all for this trigger (recorded as a skipped run)."""
    appointment = candidate.appointment
    if candidate.late and automation.late_booking == LateBooking.SKIP.value:
        return "Booked after the reminder was due; this automation skips late bookings."
    if automation.trigger == Trigger.BOOKED.value and automation.first_appointment_only \
            and not facts.is_first_appointment(appointment):
        return "Not the patient's first appointment."
    if automation.trigger == Trigger.NO_RETURN.value and facts.has_upcoming_after(appointment):
        return "The patient has booked again."
    return None


def why_stop(automation: Automation, appointment: Appointment | None, occurrence: str,
             now: datetime, *, starts_at: datetime | None = None, facts: LiveFacts = LIVE) -> str | None:
    """Why a run must stop before its next step, from what oncord knows of the appointment.

    A move is not decided here: the synced row may be older than a run re-timed from Cliniko,
    so the truth check compares the run's start with Cliniko's."""
    if appointment is None:
        return "The appointment no longer exists in Cliniko."
    trigger = Trigger(automation.trigger)
    if trigger in (Trigger.UPCOMING, Trigger.BOOKED, Trigger.FINISHED, Trigger.NO_RETURN) \
            and appointment.cancelled_at is not None:
        return "The appointment was cancelled."
    if trigger in (Trigger.UPCOMING, Trigger.FINISHED, Trigger.NO_RETURN) and appointment.did_not_arrive:
        return "The patient did not arrive."
    if trigger is Trigger.UPCOMING and (starts_at or appointment.starts_at) <= now:
        return "The appointment has already started."
    if trigger is Trigger.NO_RETURN and facts.has_upcoming_after(appointment):
        return "The patient has booked again."
    return None


def channel_of(step: AutomationStep) -> str:
    return "email" if step.type == StepType.EMAIL.value else "sms"


def unsubscribed_reason(contact: Contact | None, step: AutomationStep) -> str | None:
    """A contact who unsubscribed on the step's channel stops the whole run."""
    if contact is None:
        return None
    channel = channel_of(step)
    if getattr(contact, f"{channel}_status") == ConsentStatus.UNSUBSCRIBED.value:
        return f"Unsubscribed from {'email' if channel == 'email' else 'SMS'}."
    return None


def why_not_send(automation: Automation, step: AutomationStep, contact: Contact | None, *, run_id: int | None,
                 now: datetime, facts: LiveFacts = LIVE) -> str | None:
    """Why this send step is skipped: consent, address, suppression, spacing, a missing template."""
    if step.template_id is None or step.template is None:
        return "The step has no template (it was deleted)."
    if reason := eligibility.why_not(contact, channel_of(step), step.kind, is_suppressed=facts.is_suppressed):
        return reason
    return spacing_reason(automation, contact, run_id=run_id, now=now, facts=facts)


def spacing_reason(automation: Automation, contact: Contact | None, *, run_id: int | None,
                   now: datetime, facts: LiveFacts = LIVE) -> str | None:
    if not automation.tag or not automation.skip_if_messaged_within_days or contact is None:
        return None
    since = now - timedelta(days=automation.skip_if_messaged_within_days)
    last = facts.last_tagged_send(contact.id, spacing_tag(automation.tag), since, now, run_id)
    if last is None:
        return None
    return (f"Got a message from an automation tagged “{automation.tag}” on {clinic_time.format_local(last)}, "
            f"within {automation.skip_if_messaged_within_days} days.")


def quiet_hours_delay(step: AutomationStep, automation: Automation, starts_at: datetime | None,
                      at: datetime) -> tuple[datetime | None, str | None]:
    """(wait until, None) when an SMS falls in quiet hours; (None, reason) when the morning is too late:
    after the start of an appointment still going ahead (a reminder, and a booking confirmation too)."""
    if step.type != StepType.SMS.value:
        return None, None
    morning = clinic_time.quiet_until(at)
    if morning is None:
        return None, None
    ahead = automation.trigger in (Trigger.UPCOMING.value, Trigger.BOOKED.value)  # not a cancelled one
    if ahead and starts_at is not None and at < starts_at <= morning:
        return None, (f"Due in quiet hours ({clinic_time.quiet_hours_label()}), and the morning would be after "
                      "the appointment's start.")
    return morning, None
