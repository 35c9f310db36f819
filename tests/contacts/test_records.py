from datetime import date

import pytest

from oncord.contacts.records import ContactNotFound, ContactDetails, cliniko_patient_url, create_contact, get_contact
from oncord.models import ClinikoConnection
from tests.factories import ContactFactory


def test_create_contact_is_local_pending_and_searchable(db):
    contact = create_contact(ContactDetails(first_name=" Ana ", last_name="Smith", email="Ana@Mail.example",
                                        phone="+61412345678", city="Newtown", address_2="", date_of_birth=date(1990, 5, 1)))
    db.session.commit()
    assert get_contact(contact.id) is contact
    assert (contact.first_name, contact.email, contact.email_lower) == ("Ana", "Ana@Mail.example", "ana@mail.example")
    assert contact.address_2 is None and contact.city == "Newtown" and contact.date_of_birth == date(1990, 5, 1)
    assert contact.cliniko_patient_id is None
    assert (contact.email_status, contact.sms_status) == ("pending", "pending")
    assert contact.search_text == "ana smith ana@mail.example 61412345678 0412345678"


def test_get_contact_raises_for_an_unknown_id(db):
    with pytest.raises(ContactNotFound):
        get_contact(12345)


def test_cliniko_patient_url_needs_a_link_and_a_subdomain(db):
    linked, local = ContactFactory(linked=True), ContactFactory()
    assert cliniko_patient_url(linked) is None  # no connection yet
    connection = ClinikoConnection(shard="au2")
    db.session.add(connection)
    db.session.flush()
    assert cliniko_patient_url(linked) is None  # subdomain unknown
    connection.subdomain = "harbour-physio"
    assert cliniko_patient_url(linked) == f"https://harbour-physio.au2.cliniko.com/patients/{linked.cliniko_patient_id}"
    assert cliniko_patient_url(local) is None
