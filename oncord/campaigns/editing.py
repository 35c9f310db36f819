"""Writing a campaign: its message checked like a saved template, saved only while it can still change.

A campaign's message is marketing by definition (subscribed contacts only, with an unsubscribe
link or STOP wording). Once sending has started the message and audience are fixed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from oncord.extensions import db
from oncord.messaging import message_templates
from oncord.models import Campaign, CampaignStatus, MessageTemplate, TemplateKind
from oncord.models.campaign import CampaignRecipient

CHANNELS = {"email": "Email", "sms": "SMS"}
EDITABLE = {CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value}


class CampaignNotFound(LookupError):
    pass


class CampaignInvalid(ValueError):
    """Refused on save: `errors` maps a form field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


class CampaignLocked(ValueError):
    """Sending has started: the message and audience can no longer change."""


@dataclass(frozen=True, slots=True)
class CampaignFields:
    name: str
    channel: str
    subject: str = ""
    preheader: str = ""
    body: str = ""
    conditions: dict = field(default_factory=dict)

    def as_template(self) -> message_templates.TemplateFields:
        return message_templates.TemplateFields(name=self.name, channel=self.channel, kind=TemplateKind.MARKETING.value,
                                                subject=self.subject, preheader=self.preheader, body=self.body)


def list_campaigns() -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())))


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound(campaign_id)
    return campaign


def is_editable(campaign: Campaign | None) -> bool:
    return campaign is None or campaign.status in EDITABLE


def errors_of(fields: CampaignFields) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if fields.channel not in CHANNELS:
        errors["channel"] = ["Choose email or SMS."]
        return errors
    if not fields.name.strip():
        errors["name"] = ["Give the campaign a name."]
    if fields.channel == "email" and not fields.subject.strip():
        errors["subject"] = ["An email needs a subject."]
    if not fields.body.strip():
        errors["body"] = ["Write the message."]
    for part, problems in message_templates.problems_of(fields.as_template()).items():
        errors.setdefault(part, []).extend(str(p) for p in problems)
    return errors


def create_campaign(fields: CampaignFields, *, user) -> Campaign:
    """Adds (no commit) a draft, or raises CampaignInvalid."""
    campaign = Campaign(created_by_user_id=user.id if user else None, status=CampaignStatus.DRAFT.value)
    _apply(campaign, fields)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def update_campaign(campaign: Campaign, fields: CampaignFields) -> None:
    if not is_editable(campaign):
        raise CampaignLocked("Sending has started: this campaign can no longer be changed.")
    _apply(campaign, fields)
    db.session.flush()


def _apply(campaign: Campaign, fields: CampaignFields) -> None:
    if errors := errors_of(fields):
        raise CampaignInvalid(errors)
    sms = fields.channel == "sms"
    campaign.name = fields.name.strip()
    campaign.channel = fields.channel
    campaign.subject = None if sms else fields.subject.strip()
    campaign.preheader = None if sms else (fields.preheader.strip() or None)
    campaign.body = fields.body
    campaign.conditions = dict(fields.conditions)


def delete_campaign(campaign: Campaign) -> None:
    """Only a campaign that never started sending may go: a sent one is the record of what went out."""
    if not is_editable(campaign):
        raise CampaignLocked("A campaign that has started sending is kept as the record of what went out.")
    db.session.delete(campaign)
    db.session.flush()


def templates_to_start_from(channel: str) -> list[MessageTemplate]:
    """Saved marketing templates of this channel, offered as a starting point."""
    return list(db.session.scalars(select(MessageTemplate).where(
        MessageTemplate.channel == channel, MessageTemplate.kind == TemplateKind.MARKETING.value)
        .order_by(MessageTemplate.name)))


def fields_from_template(template_id: int | None, channel: str) -> CampaignFields | None:
    """A new campaign's message copied from a saved template (None when there is no such template)."""
    template = db.session.get(MessageTemplate, template_id) if template_id else None
    if template is None or template.channel != channel:
        return None
    return CampaignFields(name=template.name, channel=channel, subject=template.subject or "",
                          preheader=template.preheader or "", body=template.body or "")


def recipient_count(campaign: Campaign) -> int:
    return db.session.scalar(select(func.count()).select_from(CampaignRecipient)
                             .where(CampaignRecipient.campaign_id == campaign.id)) or 0
