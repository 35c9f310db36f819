"""Adding or editing a contact whose email or phone another contact already has: a warning with a
link, and saving anyway only by an explicit choice."""
from oncord.models import Contact
from tests.factories import ContactFactory

CHOICE = "Save as a separate contact anyway"


def _steven(db):
    steven = ContactFactory(first_name="Steven", last_name="Allen", email="steven@mail.example", phone="+61412345678",
                            linked=True)
    db.session.commit()
    return steven


def test_adding_a_known_email_warns_with_a_link_and_saves_nothing(client, db, login_as, csrf_token):
    login_as()
    steven = _steven(db)
    assert CHOICE not in client.get("/contacts/new").get_data(as_text=True)  # only offered when needed
    form = {"first_name": "Steve", "email": "STEVEN@mail.example", "csrf_token": csrf_token("/contacts/new")}
    response = client.post("/contacts/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (f'<a href="/contacts/{steven.id}" target="_blank" rel="noopener">Steven Allen</a> '
            "(linked to Cliniko) already has this email.") in html
    assert CHOICE in html and 'name="save_anyway"' in html
    assert db.session.query(Contact).count() == 1


def test_adding_a_known_mobile_in_another_format_warns_too(client, db, login_as, csrf_token):
    login_as()
    _steven(db)
    html = client.post("/contacts/new", data={"first_name": "Ann", "phone": "0412 345 678",
                                              "csrf_token": csrf_token("/contacts/new")}).get_data(as_text=True)
    assert "(linked to Cliniko) already has this phone number." in html and CHOICE in html
    assert db.session.query(Contact).count() == 1


def test_saving_anyway_is_an_explicit_choice(client, db, login_as, csrf_token):
    login_as()
    _steven(db)
    form = {"first_name": "Stevie", "last_name": "Allen", "email": "steven@mail.example",
            "csrf_token": csrf_token("/contacts/new"), "save_anyway": "y"}
    response = client.post("/contacts/new", data=form)
    assert response.status_code == 302
    assert db.session.query(Contact).count() == 2


def test_the_live_check_names_the_other_contact_and_offers_the_choice(client, db, login_as, csrf_token):
    login_as()
    steven = _steven(db)
    form = {"first_name": "Steve", "email": "steven@mail.example", "csrf_token": csrf_token("/contacts/new")}
    headers = {"HX-Request": "true", "HX-Trigger-Name": "email"}
    html = client.post("/contacts/new/check", data=form, headers=headers).get_data(as_text=True)
    assert f'href="/contacts/{steven.id}"' in html and "already has this email." in html
    assert '<div id="duplicate-choice" hx-swap-oob="true">' in html and CHOICE in html
    other = client.post("/contacts/new/check", data={**form, "email": "new@mail.example"}, headers=headers)
    html = other.get_data(as_text=True)
    assert "already has" not in html and CHOICE not in html
    assert '<div id="duplicate-choice" hx-swap-oob="true">' in html  # the choice is taken away again
    assert db.session.query(Contact).count() == 1


def _edit_form(contact, csrf_token, **changes):
    data = {"first_name": contact.first_name, "last_name": contact.last_name, "email": contact.email or "",
            "phone": contact.phone or "", "country_code": "", "date_of_birth": "", "gender": "", "sex": "",
            "email_status": contact.email_status, "sms_status": contact.sms_status,
            "csrf_token": csrf_token(f"/contacts/{contact.id}/edit")}
    return {**data, **changes}


def test_an_edit_that_takes_another_contacts_email_warns(client, db, login_as, csrf_token):
    login_as()
    steven = _steven(db)
    other = ContactFactory(first_name="Ann", email="ann@mail.example")
    db.session.commit()
    html = client.post(f"/contacts/{other.id}/edit", data=_edit_form(other, csrf_token, email="Steven@mail.example")
                       ).get_data(as_text=True)
    assert f'href="/contacts/{steven.id}"' in html and "already has this email." in html and CHOICE in html
    db.session.refresh(other)
    assert other.email == "ann@mail.example"
    response = client.post(f"/contacts/{other.id}/edit", data=_edit_form(
        other, csrf_token, email="Steven@mail.example", save_anyway="y"))
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.email == "Steven@mail.example"


def test_an_edit_is_not_a_duplicate_of_itself_nor_asked_again_for_a_shared_email(client, db, login_as, csrf_token):
    login_as()
    steven = _steven(db)
    family = ContactFactory(first_name="Mia", last_name="Allen", email="steven@mail.example")  # a shared inbox
    db.session.commit()
    assert client.post(f"/contacts/{steven.id}/edit", data=_edit_form(steven, csrf_token, last_name="Allen-Jones")
                       ).status_code == 302
    assert client.post(f"/contacts/{family.id}/edit", data=_edit_form(family, csrf_token, first_name="Amelia")
                       ).status_code == 302
    db.session.refresh(family)
    assert family.first_name == "Amelia"


def test_the_other_contacts_name_is_shown_as_text_never_as_markup(client, db, login_as, csrf_token):
    login_as()
    ContactFactory(first_name="<b>Bo</b>", last_name="<script>x()</script>", email="bo@mail.example")
    db.session.commit()
    html = client.post("/contacts/new", data={"first_name": "Bo", "email": "bo@mail.example",
                                              "csrf_token": csrf_token("/contacts/new")}).get_data(as_text=True)
    assert "&lt;b&gt;Bo&lt;/b&gt; &lt;script&gt;x()&lt;/script&gt;</a> (only in oncord) already has this email." in html
    assert "<script>x()" not in html
