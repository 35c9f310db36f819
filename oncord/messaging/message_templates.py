"""Saved message templates: checking them before they are saved, and previewing them for a real contact.

A template that would fail when sent (a syntax error, an unknown merge field) is never saved:
`problems_of` checks the subject, preheader and body, each problem with its line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select

from oncord.extensions import db
from oncord.messaging import merge_fields, sms_text
from oncord.messaging.email_render import Branding, EmailSource, RenderedEmail, SenderIdentity, render_email
from oncord.messaging.merge_fields import ClinicFields, MergeContext, TemplateError, TemplateProblem
from oncord.models import Appointment, Contact, MessageTemplate, TemplateChannel, TemplateKind
from oncord.timestamps import utcnow

PARTS = {"subject": "Subject", "preheader": "Preview text", "body": "Message"}


class TemplateNotFound(LookupError):
    pass


class TemplateInvalid(ValueError):
    """Refused on save: `errors` maps a form field to its messages (problems carry their line)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class TemplateFields:
    name: str
    channel: str
    kind: str
    subject: str = ""
    preheader: str = ""
    body: str = ""


def list_templates() -> list[MessageTemplate]:
    return list(db.session.scalars(select(MessageTemplate).order_by(MessageTemplate.name, MessageTemplate.id)))


def get_template(template_id: int) -> MessageTemplate:
    template = db.session.get(MessageTemplate, template_id)
    if template is None:
        raise TemplateNotFound(template_id)
    return template


def problems_of(fields: TemplateFields) -> dict[str, list[TemplateProblem]]:
    """Merge-field problems per part; an SMS has only a body."""
    parts = ("subject", "preheader", "body") if fields.channel == TemplateChannel.EMAIL.value else ("body",)
    found = {part: merge_fields.check_template(getattr(fields, part)) for part in parts}
    return {part: problems for part, problems in found.items() if problems}


def _errors_of(fields: TemplateFields) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if fields.channel not in {c.value for c in TemplateChannel}:
        errors["channel"] = ["Choose email or SMS."]
    if fields.kind not in {k.value for k in TemplateKind}:
        errors["kind"] = ["Choose marketing or factual."]
    if not fields.name.strip():
        errors["name"] = ["Give the template a name."]
    if fields.channel == TemplateChannel.EMAIL.value and not fields.subject.strip():
        errors["subject"] = ["An email needs a subject."]
    if not fields.body.strip():
        errors["body"] = ["Write the message."]
    for part, problems in problems_of(fields).items():
        errors.setdefault(part, []).extend(str(p) for p in problems)
    return errors


def create_template(fields: TemplateFields, *, user) -> MessageTemplate:
    """Adds (no commit) a new template, or raises TemplateInvalid."""
    template = MessageTemplate(created_by_id=user.id if user else None)
    _apply(template, fields, user)
    db.session.add(template)
    db.session.flush()
    return template


def update_template(template: MessageTemplate, fields: TemplateFields, *, user) -> None:
    _apply(template, fields, user)
    db.session.flush()


def _apply(template: MessageTemplate, fields: TemplateFields, user) -> None:
    errors = _errors_of(fields)
    if errors:
        raise TemplateInvalid(errors)
    sms = fields.channel == TemplateChannel.SMS.value
    template.name = fields.name.strip()
    template.channel, template.kind = fields.channel, fields.kind
    template.subject = "" if sms else fields.subject.strip()
    template.preheader = "" if sms else fields.preheader.strip()
    template.body = fields.body
    template.updated_by_id = user.id if user else None


def delete_template(template: MessageTemplate) -> None:
    db.session.delete(template)
    db.session.flush()


# Previews -----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ClinicIdentity:
    """Who the clinic is in its messages: Settings > Messaging's sender identity and branding,
    with the Cliniko account's name and booking link where those are not filled in."""

    clinic: ClinicFields
    branding: Branding
    sender: SenderIdentity
    opt_out_wording: str = sms_text.DEFAULT_OPT_OUT_WORDING


def clinic_identity() -> ClinicIdentity:
    from oncord.messaging.email_render import DEFAULT_ACCENT
    from oncord.messaging.settings import effective_settings
    from oncord.sync.connection import get_connection

    settings, connection = effective_settings(), get_connection()
    name = settings.clinic_name or (connection.account_name if connection else None) or "Your clinic"
    booking_url = (connection.booking_url if connection else None) or ""
    try:
        branding = Branding(clinic_name=name, logo_url=settings.logo_url or "",
                            accent_colour=settings.accent_colour or DEFAULT_ACCENT)
    except ValueError:  # the settings form refuses these; a value from before that check is dropped
        branding = Branding(clinic_name=name)
    sender = SenderIdentity(clinic_name=name, postal_address=settings.postal_address or "",
                            phone=settings.phone or "", website=settings.website or "")
    return ClinicIdentity(ClinicFields(name=name, booking_url=booking_url), branding, sender,
                          settings.sms_opt_out_wording or sms_text.DEFAULT_OPT_OUT_WORDING)


@dataclass(frozen=True, slots=True)
class Preview:
    problems: dict[str, list[TemplateProblem]] = field(default_factory=dict)
    email: RenderedEmail | None = None
    sms: str | None = None
    sms_count: sms_text.SmsCount | None = None
    error: str | None = None  # why nothing could be rendered
    sample: bool = False  # made-up values: no contact picked


def preview_context(contact: Contact | None, appointment: Appointment | None, identity: ClinicIdentity, *,
                    zone: str, unsubscribe_url: str) -> MergeContext:
    if contact is None:
        return merge_fields.sample_context(identity.clinic, unsubscribe_url)
    appointment_fields = (merge_fields.appointment_fields(appointment, ZoneInfo(zone))
                          if appointment is not None else merge_fields.AppointmentFields())
    return MergeContext(contact=merge_fields.contact_fields(contact), appointment=appointment_fields,
                        clinic=identity.clinic, unsubscribe_url=unsubscribe_url)


def preview(fields: TemplateFields, context: MergeContext, identity: ClinicIdentity, *, sample: bool) -> Preview:
    """The message as the contact would get it; problems instead when the template is broken."""
    problems = problems_of(fields)
    if problems:
        return Preview(problems=problems, sample=sample)
    marketing = fields.kind != TemplateKind.FACTUAL.value
    try:
        if fields.channel == TemplateChannel.SMS.value:
            body = sms_text.render_sms(fields.body, context, marketing=marketing,
                                       opt_out_wording=identity.opt_out_wording)
            return Preview(sms=body, sms_count=sms_text.count_segments(body), sample=sample)
        email = render_email(EmailSource(fields.subject, fields.preheader, fields.body), context,
                             identity.branding, identity.sender, marketing=marketing)
        return Preview(email=email, sample=sample)
    except TemplateError as exc:
        return Preview(error=str(exc), sample=sample)


def contact_for_preview(contact_id: int | None) -> Contact | None:
    return db.session.get(Contact, contact_id) if contact_id else None


def appointment_for_preview(contact: Contact | None, appointment_id: int | None) -> Appointment | None:
    """Only one of the picked contact's own appointments."""
    if contact is None or not appointment_id:
        return None
    appointment = db.session.get(Appointment, appointment_id)
    return appointment if appointment is not None and appointment.contact_id == contact.id else None


def appointments_to_pick(contact: Contact | None, limit: int = 20) -> list[Appointment]:
    if contact is None:
        return []
    from oncord.contacts.appointments import contact_appointments

    return contact_appointments(contact.id, now=utcnow(), limit=limit).appointments
