"""A campaign's message as each contact gets it: the same sandboxed merge fields as templates."""
from __future__ import annotations

from oncord.messaging import eligibility, merge_fields, sms_text, unsubscribe
from oncord.messaging.drafts import Draft, EmailDraft, SmsDraft
from oncord.messaging.email_render import EmailSource, render_email
from oncord.messaging.merge_fields import MergeContext
from oncord.messaging.message_templates import ClinicIdentity
from oncord.models import Campaign, Contact


def context_for(contact: Contact, identity: ClinicIdentity, unsubscribe_url: str) -> MergeContext:
    """Campaigns are about the contact, not one appointment: appointment fields stay empty."""
    return MergeContext(contact=merge_fields.contact_fields(contact), appointment=merge_fields.AppointmentFields(),
                        clinic=identity.clinic, unsubscribe_url=unsubscribe_url)


def render_draft(campaign: Campaign, contact: Contact, identity: ClinicIdentity) -> Draft:
    """Raises merge_fields.TemplateError when the message cannot be filled in for this contact."""
    key = campaign.message_key(contact.id)
    context = context_for(contact, identity, unsubscribe.unsubscribe_url(contact, key, campaign.channel))
    address = eligibility.address_for(contact, campaign.channel) or ""
    if campaign.channel == "sms":
        return SmsDraft(to=address, body=sms_text.render_sms(campaign.body, context, marketing=True,
                                                             opt_out_wording=identity.opt_out_wording))
    email = render_email(EmailSource(campaign.subject or "", campaign.preheader or "", campaign.body), context,
                         identity.branding, identity.sender, marketing=True)
    return EmailDraft(to=address, subject=email.subject, text=email.text, html=email.html)
