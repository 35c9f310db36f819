"""All models, imported here so Alembic and `db.create_all` see every table."""
from oncord.models.activity import ActivityEvent, EventKind
from oncord.models.address_check import AddressCheck
from oncord.models.appointment import Appointment, AppointmentKind, GroupAppointment, attendance_id
from oncord.models.automation import (
    Automation, AutomationLog, BookingKinds, AutomationRun, AutomationStep, LateBooking, Outcome, RunStatus, StepType, Trigger,
)
from oncord.models.campaign import Campaign, CampaignRecipient, CampaignStatus, RecipientState
from oncord.models.cliniko import AppointmentType, Business, ClinikoConnection, Practitioner
from oncord.models.consent_change import ConsentChange, ConsentSource
from oncord.models.contact import ConsentStatus, Contact, contact_search_text
from oncord.models.inbound_sms import InboundSms
from oncord.models.message import Message, MessageKind, MessageStatus
from oncord.models.messaging_settings import MessagingSettings
from oncord.models.message_template import MessageTemplate, TemplateChannel, TemplateKind
from oncord.models.page import Page
from oncord.models.outbox import DeletedContactLink, OutboxEdit, OutboxStatus
from oncord.models.suppression import Suppression
from oncord.models.sync_run import SyncRun, SyncStatus, SyncTrigger
from oncord.models.user import Role, User, UserSession

__all__ = [
    "ActivityEvent", "AddressCheck", "Appointment", "AppointmentKind", "AppointmentType", "GroupAppointment",
    "attendance_id", "Business", "ClinikoConnection", "ConsentStatus", "Contact",
    "DeletedContactLink", "InboundSms", "OutboxEdit", "OutboxStatus",
    "ConsentChange", "ConsentSource", "Message", "MessageKind", "MessageStatus", "MessagingSettings", "Suppression",
    "EventKind", "Page", "Practitioner", "Role", "SyncRun", "SyncStatus", "SyncTrigger", "User", "UserSession",
    "MessageTemplate", "TemplateChannel", "TemplateKind",
    "contact_search_text",
    "Automation", "AutomationLog", "BookingKinds", "AutomationRun", "AutomationStep", "LateBooking", "Outcome", "RunStatus",
    "StepType", "Trigger",
    "Campaign", "CampaignRecipient", "CampaignStatus", "RecipientState",
]
