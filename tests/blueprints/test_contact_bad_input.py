"""Bad input on the contacts pages gets a clear 400 or a message beside the field, never a 500."""
import pytest

from oncord.models import Contact
from tests.factories import ContactFactory

HX = {"HX-Request": "true"}


@pytest.mark.parametrize("cursor", [str(2**63), str(2**63 + 1), str(2**31), "99999999999999999999999", "abc", "-1",
                                    "0", "1e3", "１２"])
@pytest.mark.parametrize("arg", ["after", "before"])
def test_a_page_link_with_an_impossible_cursor_is_refused_clearly(client, db, login_as, arg, cursor):
    login_as()
    ContactFactory()
    db.session.commit()
    for headers in ({}, HX):
        response = client.get("/contacts/", query_string={"q": "a", arg: cursor}, headers=headers)
        assert response.status_code == 400, (arg, cursor)
        assert "That page of the contacts list does not exist" in response.get_data(as_text=True)


def test_a_cursor_whose_contact_is_gone_starts_from_the_top(client, db, login_as):
    login_as()
    ContactFactory(first_name="Ana", last_name="Smith")
    db.session.commit()
    for arg in ("after", "before"):
        response = client.get(f"/contacts/?{arg}={2**31 - 1}")
        assert response.status_code == 200 and "Ana Smith" in response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["abc", "2020-02-31", "2021-13-01", "31/02/2020"])
def test_an_impossible_date_of_birth_is_a_field_error_when_adding(client, db, login_as, csrf_token, typed):
    login_as()
    form = {"first_name": "Ana", "email": "ana@mail.example", "date_of_birth": typed,
            "csrf_token": csrf_token("/contacts/new")}
    response = client.post("/contacts/new", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Enter a real date" in html and "has-error" in html
    assert db.session.query(Contact).count() == 0
    check = client.post("/contacts/new/check", data=form, headers={**HX, "HX-Trigger-Name": "date_of_birth"})
    assert check.status_code == 200 and "Enter a real date" in check.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["abc", "2020-02-31"])
def test_an_impossible_date_of_birth_is_a_field_error_when_editing(client, db, login_as, csrf_token, typed):
    login_as()
    contact = ContactFactory(email="ana@mail.example", linked=True)
    db.session.commit()
    form = {"first_name": contact.first_name, "last_name": contact.last_name, "email": contact.email,
            "phone": contact.phone, "date_of_birth": typed, "email_status": "pending", "sms_status": "pending",
            "csrf_token": csrf_token(f"/contacts/{contact.id}/edit")}
    response = client.post(f"/contacts/{contact.id}/edit", data=form)
    assert response.status_code == 200 and "Enter a real date" in response.get_data(as_text=True)
    check = client.post(f"/contacts/{contact.id}/edit/check", data=form,
                        headers={**HX, "HX-Trigger-Name": "date_of_birth"})
    assert check.status_code == 200 and "Enter a real date" in check.get_data(as_text=True)
    db.session.refresh(contact)
    assert contact.date_of_birth is None


@pytest.mark.parametrize("cursor", [str(2**63), str(2**31), "abc", "-5"])
def test_an_impossible_activity_cursor_is_refused_clearly(client, db, login_as, cursor):
    login_as()
    contact = ContactFactory()
    db.session.commit()
    response = client.get(f"/contacts/{contact.id}/activity", query_string={"before": cursor}, headers=HX)
    assert response.status_code == 400
    assert "There is no more activity at this address" in response.get_data(as_text=True)
