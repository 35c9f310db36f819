"""Which existing contacts share a typed email or phone number."""
from oncord.contacts.duplicates import find_duplicates
from tests.factories import ContactFactory


def test_email_matches_in_any_case_and_phone_as_stored(db):
    steven = ContactFactory(first_name="Steven", last_name="Allen", email="Steven.Allen@Mail.example",
                            email_lower="steven.allen@mail.example", phone="+61412345678", linked=True)
    ContactFactory(email="someone@mail.example", phone="+61400000001")
    db.session.commit()
    found = find_duplicates(" STEVEN.allen@mail.example ", "+61412345678")
    assert [(d.contact.id, d.field) for d in found] == [(steven.id, "email"), (steven.id, "phone")]
    assert (found[0].where, found[0].detail, found[1].detail) == ("linked to Cliniko", "email", "phone number")
    assert [d.field for d in find_duplicates(None, "+61412345678")] == ["phone"]
    assert find_duplicates("other@mail.example", "+61499999999") == []
    assert find_duplicates(None, None) == [] and find_duplicates("  ", "") == []


def test_the_contact_itself_and_contacts_merged_away_are_not_duplicates(db):
    me = ContactFactory(email="me@mail.example", phone="+61412345678")
    ContactFactory(email="me@mail.example", merged_into_patient_id=42, linked=True)
    db.session.commit()
    assert find_duplicates("me@mail.example", "+61412345678", exclude_id=me.id) == []
    local = find_duplicates("me@mail.example", None)
    assert [d.contact.id for d in local] == [me.id] and local[0].where == "only in oncord"
