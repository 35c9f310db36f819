"""Whom not to send to: one reason per case, in staff words."""
from __future__ import annotations

import pytest

from oncord.messaging.eligibility import why_not
from oncord.messaging.suppressions import suppression_for
from oncord.models import Contact
from oncord.timestamps import utcnow
from tests.factories import ContactFactory


def contact(db, **fields) -> Contact:
    values = {"email": "pat@mail.example", "phone": "+61412345678", "email_status": "subscribed",
              "sms_status": "subscribed"} | fields
    made = ContactFactory(**values)
    db.session.commit()
    return made


def test_a_subscribed_contact_may_get_anything(db, sender_identity):
    pat = contact(db)
    for channel in ("email", "sms"):
        for kind in ("marketing", "factual", "test"):
            assert why_not(pat, channel, kind) is None


def test_no_contact(db):
    assert why_not(None, "email", "marketing") == "The contact no longer exists in oncord (deleted or erased)."
    assert why_not(None, "email", "test", address="staff@clinic.example") is None  # a test to a staff address


@pytest.mark.parametrize("kind", ["marketing", "factual", "test"])
def test_unsubscribed_never_gets_anything(db, kind):
    assert why_not(contact(db, email_status="unsubscribed"), "email", kind) == "Unsubscribed from email."
    assert why_not(contact(db, sms_status="unsubscribed", phone="+61412345679"), "sms", kind) == "Unsubscribed from SMS."


def test_pending_gets_factual_and_test_but_not_marketing(db):
    pat = contact(db, email_status="pending")
    assert why_not(pat, "email", "marketing") == "Has not agreed to marketing by email (Pending)."
    assert why_not(pat, "email", "factual") is None
    assert why_not(pat, "email", "test") is None


def test_no_address(db):
    assert why_not(contact(db, email=None), "email", "factual") == "No email address."
    assert why_not(contact(db, phone=None), "sms", "factual") == "No mobile number."
    assert why_not(contact(db, phone="+61298765432"), "sms", "factual") == "No mobile number."  # a landline


def test_patients_gone_in_cliniko(db):
    assert why_not(contact(db, cliniko_deleted_at=utcnow()), "email", "factual") == "The patient was deleted in Cliniko."
    assert why_not(contact(db, merged_into_patient_id=42), "email", "factual") == (
        "The patient was merged into another patient in Cliniko.")
    assert why_not(contact(db, cliniko_archived_at=utcnow()), "sms", "factual") == "The patient is archived in Cliniko."


def test_suppressed_addresses_and_patients(db):
    erased = contact(db, email="Gone@Mail.example", phone="+61400000001", linked=True)
    suppression_for(erased, reason="erased")
    db.session.commit()
    reason = "This person was erased from oncord and must not be contacted."
    # A new contact with the same address (any case), the same mobile, or the same patient.
    assert why_not(contact(db, email="gone@mail.example "), "email", "factual") == reason
    assert why_not(contact(db, phone="+61400000001", email="other@mail.example"), "sms", "factual") == reason
    assert why_not(None, "email", "test", address="GONE@mail.example") == reason
    assert why_not(erased, "email", "factual") == reason
    assert why_not(contact(db, email="someone@mail.example", phone="+61400000002"), "email", "factual") is None


def test_a_lifted_suppression_no_longer_blocks(db):
    erased = contact(db, email="back@mail.example")
    suppression_for(erased, reason="erased").lifted_at = utcnow()
    db.session.commit()
    assert why_not(erased, "email", "factual") is None


def test_marketing_email_needs_the_clinics_name_and_postal_address(db):
    """Australia's Spam Act: a marketing email must identify its sender, so none goes without it."""
    from oncord.messaging.settings import get_or_create_settings

    pat = contact(db)
    reason = ("Add the clinic's name and postal address under Settings > Messaging "
              "before sending marketing email.")
    assert why_not(pat, "email", "marketing") == reason
    settings = get_or_create_settings()
    settings.clinic_name = "Harbour Physio"
    db.session.commit()
    assert why_not(pat, "email", "marketing") == reason  # a name alone is not enough
    settings.postal_address = "1 Wharf St, Sydney NSW 2000"
    db.session.commit()
    assert why_not(pat, "email", "marketing") is None


def test_only_marketing_email_waits_for_the_sender_identity(db):
    pat = contact(db)
    assert why_not(pat, "email", "factual") is None
    assert why_not(pat, "email", "test") is None
    assert why_not(pat, "sms", "marketing") is None  # the opt-out wording identifies an SMS
    assert why_not(contact(db, email_status="unsubscribed", email="u@mail.example"), "email",
                   "marketing") == "Unsubscribed from email."  # the contact's own reason comes first
