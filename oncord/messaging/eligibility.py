"""Whom not to send to, and why, in staff words. Checked when deciding and again at send time."""
from __future__ import annotations

from functools import lru_cache

import phonenumbers

from oncord.messaging import settings, suppressions
from oncord.models import ConsentStatus, Contact, MessageKind

MISSING_SENDER_IDENTITY = ("Add the clinic's name and postal address under Settings > Messaging "
                           "before sending marketing email.")
SUPPRESSED = "This person was erased from oncord and must not be contacted."
SMS_CAPABLE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def address_for(contact: Contact, channel: str) -> str | None:
    """The contact's email address, or mobile number in E.164; None when there is none."""
    if channel == "email":
        return (contact.email or "").strip() or None
    if not contact.phone:
        return None
    return contact.phone if _sms_capable(contact.phone) else None


@lru_cache(maxsize=65536)
def _sms_capable(phone: str) -> bool:
    """Parsing a number costs ~0.1 ms; the automations preview asks for thousands of rows at each edit."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in SMS_CAPABLE


def why_not(contact: Contact | None, channel: str, kind: str, address: str | None = None, *,
            is_suppressed=None) -> str | None:
    """Why this message must not go, or None when it may. `address`: where it would go (default: the contact's);
    `is_suppressed`: the erased-address check (the automations preview passes answers it read in bulk).

    Marketing needs Subscribed; factual and test messages go to Pending too; Unsubscribed
    never gets anything. A test send to a staff address has no contact. Marketing email also
    needs the sender identity (Spam Act: the sender must be identified in the footer).
    """
    found = why_not_before_suppression(contact, channel, kind, address)
    if isinstance(found, str):
        return found
    address, patient_id = found
    check = is_suppressed or suppressions.is_suppressed
    if check(patient_id=patient_id, **{("email" if channel == "email" else "phone"): address}):
        return SUPPRESSED
    return None


def why_not_many(checks: list[tuple[Contact | None, str | None]], channel: str, kind: str) -> list[str | None]:
    """`why_not` for each (contact, address) of a batch, with one suppression query for all of them."""
    reasons: list[str | None] = []
    pending: list[tuple[int, str, int | None]] = []  # (index, address, patient id) still to check
    identity_missing = _sender_identity_missing(channel, MessageKind(kind))  # read once, not per message
    for index, (contact, address) in enumerate(checks):
        reason = why_not_before_suppression(contact, channel, kind, address, identity_missing=identity_missing)
        if isinstance(reason, tuple):
            pending.append((index, *reason))
            reason = None
        reasons.append(reason)
    hash_of = suppressions.email_hash if channel == "email" else suppressions.phone_hash
    addresses = [address for _, address, _ in pending]
    hashes, patient_ids = suppressions.suppressed_among(
        **{("emails" if channel == "email" else "phones"): addresses}, patient_ids=[p for _, _, p in pending])
    for index, address, patient_id in pending:
        if hash_of(address) in hashes or (patient_id is not None and patient_id in patient_ids):
            reasons[index] = SUPPRESSED
    return reasons


def why_not_before_suppression(contact: Contact | None, channel: str, kind: str, address: str | None, *,
                               identity_missing: bool | None = None) -> str | tuple[str, int | None]:
    """`why_not` up to the suppression check: a reason, or (address, patient id) still to check.
    `identity_missing`: the sender-identity answer when the caller read it already (a batch)."""
    kind = MessageKind(kind)
    if contact is None:
        if kind not in (MessageKind.TEST, MessageKind.STAFF):  # to a staff address, not a contact
            return "The contact no longer exists in oncord (deleted or erased)."
    else:
        if reason := _contact_reason(contact, channel, kind):
            return reason
        address = address or address_for(contact, channel)
    if not address:
        return "No email address." if channel == "email" else "No mobile number."
    if identity_missing is None:
        identity_missing = _sender_identity_missing(channel, kind)
    if identity_missing:
        return MISSING_SENDER_IDENTITY
    return address, (contact.cliniko_patient_id if contact is not None else None)


def _sender_identity_missing(channel: str, kind: MessageKind) -> bool:
    """Marketing email without the clinic's name and postal address in its footer breaks the Spam Act."""
    return (channel == "email" and kind is MessageKind.MARKETING
            and settings.missing_sender_identity(settings.effective_settings()))


def _contact_reason(contact: Contact, channel: str, kind: MessageKind) -> str | None:
    status = getattr(contact, f"{channel}_status")
    label = "email" if channel == "email" else "SMS"
    if status == ConsentStatus.UNSUBSCRIBED.value:
        return f"Unsubscribed from {label}."
    if status != ConsentStatus.SUBSCRIBED.value and kind is MessageKind.MARKETING:
        return f"Has not agreed to marketing by {label} (Pending)."
    if contact.cliniko_deleted_at is not None:
        return "The patient was deleted in Cliniko."
    if contact.merged_into_patient_id is not None:
        return "The patient was merged into another patient in Cliniko."
    if contact.cliniko_archived_at is not None:
        return "The patient is archived in Cliniko."
    return None
