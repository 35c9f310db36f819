"""Send steps: render the step's template for the contact and appointment, then `deliver()` it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from oncord.automations import clinic_time
from oncord.extensions import db
from oncord.messaging import eligibility, merge_fields, sms_text, unsubscribe
from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import EmailDraft, SmsDraft
from oncord.messaging.email_render import EmailSource, render_email
from oncord.messaging.merge_fields import MergeContext, TemplateError
from oncord.messaging.message_templates import ClinicIdentity
from oncord.models import (
    Appointment, Automation, AutomationStep, Contact, Message, MessageKind, MessageStatus, Outcome, StepType,
    Trigger, User,
)

SOURCE = "automation"


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: str  # Outcome
    reason: str | None
    message: Message | None


def render_draft(step: AutomationStep, contact: Contact, appointment: Appointment | None, key: str,
                 identity: ClinicIdentity):
    """The email or SMS exactly as this contact gets it (raises TemplateError on a broken template)."""
    template = step.template
    channel = "email" if step.type == StepType.EMAIL.value else "sms"
    marketing = step.kind == MessageKind.MARKETING.value
    context = MergeContext(
        contact=merge_fields.contact_fields(contact),
        appointment=(merge_fields.appointment_fields(appointment, clinic_time.clinic_zone())
                     if appointment is not None else merge_fields.AppointmentFields()),
        clinic=identity.clinic,
        unsubscribe_url=unsubscribe.unsubscribe_url(contact, key, channel) if marketing else "",
    )
    address = eligibility.address_for(contact, channel) or ""
    if channel == "sms":
        return SmsDraft(to=address, body=sms_text.render_sms(template.body, context, marketing=marketing,
                                                             opt_out_wording=identity.opt_out_wording))
    email = render_email(EmailSource(template.subject, template.preheader, template.body), context,
                         identity.branding, identity.sender, marketing=marketing)
    return EmailDraft(to=address, subject=email.subject, text=email.text, html=email.html)


def send(automation: Automation, step: AutomationStep, contact: Contact, appointment: Appointment | None,
         key: str, identity: ClinicIdentity) -> SendResult:
    try:
        draft = render_draft(step, contact, appointment, key, identity)
    except TemplateError as exc:
        return SendResult(Outcome.FAILED.value, f"The template could not be filled in: {exc}", None)
    message = deliver(key, contact, draft, kind=step.kind, source=SOURCE, source_id=automation.id)
    return result_of(message, key)


def notify_staff(automation: Automation, step: AutomationStep, contact: Contact | None,
                 appointment: Appointment | None, key: str) -> SendResult:
    """An email to a staff member: "Ana Smith did not arrive for her 10:00 Initial Consultation"."""
    user: User | None = step.staff_user
    if user is None or not user.active:
        return SendResult(Outcome.SKIPPED.value, "The staff member no longer has an account.", None)
    line = staff_notice(automation, contact, appointment)
    draft = EmailDraft(to=user.email, subject=line,
                       text=f"{line}.\n\nSent by the automation “{automation.name}”.")
    message = deliver(key, None, draft, kind=MessageKind.STAFF.value, source=SOURCE, source_id=automation.id)
    return result_of(message, key)


def staff_notice(automation: Automation, contact: Contact | None, appointment: Appointment | None) -> str:
    who = " ".join(p for p in ((contact.first_name or "").strip(), (contact.last_name or "").strip()) if p) \
        if contact is not None else "A patient"
    if appointment is None:
        return f"{who}: {automation.trigger_label.lower()}"
    visit = clinic_time.local(appointment.starts_at)
    kind = appointment.appointment_type.name if appointment.appointment_type else "appointment"
    when = f"{visit:%H:%M} {kind}"
    their = _possessive(contact)
    verbs = {
        Trigger.DID_NOT_ARRIVE.value: f"did not arrive for {their}", Trigger.CANCELLED.value: f"cancelled {their}",
        Trigger.BOOKED.value: "booked a", Trigger.FINISHED.value: f"finished {their}",
        Trigger.UPCOMING.value: f"has {their} upcoming", Trigger.NO_RETURN.value: f"has not returned since {their}",
    }
    day = "" if automation.trigger == Trigger.DID_NOT_ARRIVE.value else f" on {visit:%a} {visit.day} {visit:%b}"
    return f"{who} {verbs[automation.trigger]} {when}{day}"


def result_of(message: Message | None, key: str) -> SendResult:
    if message is None:  # the key was used before: sent (or being sent) by another worker or attempt
        message = db.session.scalar(select(Message).where(Message.key == key))
    if message is None:
        return SendResult(Outcome.FAILED.value, "Not recorded.", None)
    status = message.status
    if status == MessageStatus.SKIPPED.value:
        return SendResult(Outcome.SKIPPED.value, message.reason, message)
    if status == MessageStatus.FAILED.value:
        return SendResult(Outcome.FAILED.value, message.reason, message)
    if status == MessageStatus.QUEUED.value:  # a temporary failure: recovery sends it again
        return SendResult(Outcome.SENT.value, message.reason or "Queued: will be sent shortly.", message)
    return SendResult(Outcome.SENT.value, None, message)


def _possessive(contact: Contact | None) -> str:
    """Her/his only when Cliniko's gender (or else sex) says so; "their" otherwise."""
    words = {"female": "her", "woman": "her", "male": "his", "man": "his"}
    for value in ((contact.gender, contact.sex) if contact is not None else ()):
        if (value or "").strip().lower() in words:
            return words[value.strip().lower()]
    return "their"
