"""All models, imported here so Alembic and `db.create_all` see every table."""
from oncord.models.activity import ActivityEvent, EventKind
from oncord.models.appointment import Appointment
from oncord.models.cliniko import AppointmentType, ClinikoConnection, Practitioner
from oncord.models.contact import ConsentStatus, Contact, contact_search_text
from oncord.models.message_template import MessageTemplate, TemplateChannel, TemplateKind
from oncord.models.page import Page
from oncord.models.outbox import DeletedContactLink, OutboxEdit, OutboxStatus
from oncord.models.sync_run import SyncRun, SyncStatus, SyncTrigger
from oncord.models.user import Role, User, UserSession

__all__ = [
    "ActivityEvent", "Appointment", "AppointmentType", "ClinikoConnection", "ConsentStatus", "Contact",
    "DeletedContactLink", "OutboxEdit", "OutboxStatus",
    "EventKind", "MessageTemplate", "Page", "Practitioner", "Role", "SyncRun", "SyncStatus", "SyncTrigger", "TemplateChannel", "TemplateKind", "User", "UserSession",
    "contact_search_text",
]
