"""Editing and deleting contacts through the pages."""
from oncord.models import Contact, DeletedContactLink, OutboxEdit, Role
from tests.factories import ContactFactory


def _form(contact, **changes):
    data = {"first_name": contact.first_name, "last_name": contact.last_name, "email": contact.email or "",
            "phone": contact.phone or "", "address_1": "", "address_2": "", "address_3": "", "city": "",
            "post_code": "", "state": "", "country_code": "AU", "date_of_birth": "", "gender": "", "sex": "",
            "email_status": contact.email_status, "sms_status": contact.sms_status}
    return {**data, **changes}


def test_invalid_input_is_explained_beside_the_field_and_nothing_is_saved(client, db, login_as, csrf_token):
    login_as()
    contact = ContactFactory(linked=True, email="ok@example.com")
    db.session.commit()
    token = csrf_token(f"/contacts/{contact.id}/edit")
    html = client.post(f"/contacts/{contact.id}/edit", data=_form(
        contact, email="not an email", phone="12", date_of_birth="2999-01-01", country_code="XX",
        csrf_token=token)).get_data(as_text=True)
    assert "Enter an email address like" in html
    assert "not a valid phone number" in html
    assert "cannot be in the future" in html
    assert "Not a valid choice" in html
    db.session.refresh(contact)
    assert contact.email == "ok@example.com"
    assert db.session.query(OutboxEdit).count() == 0


def test_an_edit_of_a_linked_contact_waits_for_cliniko(client, db, login_as, csrf_token):
    login_as()
    contact = ContactFactory(linked=True, email="ok@example.com")
    db.session.commit()
    response = client.post(f"/contacts/{contact.id}/edit", data=_form(
        contact, email="new@example.com", phone="0412 345 678", country_code="NZ", sms_status="unsubscribed",
        csrf_token=csrf_token(f"/contacts/{contact.id}/edit")))
    assert response.status_code == 302
    db.session.refresh(contact)
    assert contact.phone == "+61412345678" and contact.country == "New Zealand" and contact.sms_status == "unsubscribed"
    assert sorted(e.field for e in db.session.query(OutboxEdit)) == ["country_code", "email", "phone", "sms_status"]
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Waiting to sync" in page


def test_an_unlinked_contact_edit_stays_in_oncord(client, db, login_as, csrf_token):
    login_as()
    contact = ContactFactory(email="solo@example.com")
    db.session.commit()
    client.post(f"/contacts/{contact.id}/edit", data=_form(contact, last_name="Solo", csrf_token=csrf_token("/contacts/")))
    assert db.session.query(OutboxEdit).count() == 0
    db.session.refresh(contact)
    assert contact.last_name == "Solo"


def test_deleting_says_the_patient_stays_and_remembers_the_link(client, db, login_as, csrf_token):
    login_as(Role.STAFF)
    contact = ContactFactory(linked=True)
    db.session.commit()
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert f'href="/contacts/{contact.id}/delete"' in page
    assert "confirm(" not in page and "onsubmit" not in page  # no browser confirm box
    confirm = client.get(f"/contacts/{contact.id}/delete").get_data(as_text=True)
    assert 'class="card confirm-card"' in confirm and "The patient in Cliniko is not deleted" in confirm
    assert f'action="/contacts/{contact.id}/delete"' in confirm and 'name="csrf_token"' in confirm
    assert db.session.query(Contact).count() == 1  # looking at the question deletes nothing
    patient_id = contact.cliniko_patient_id
    response = client.post(f"/contacts/{contact.id}/delete", data={"csrf_token": csrf_token("/contacts/")})
    assert response.status_code == 302
    assert db.session.query(Contact).count() == 0
    assert db.session.get(DeletedContactLink, patient_id) is not None
    assert "Their Cliniko patient record is untouched" in client.get("/contacts/").get_data(as_text=True)


def test_deleting_a_contact_only_in_oncord_does_not_talk_of_cliniko(client, db, login_as, csrf_token):
    login_as(Role.STAFF)
    contact = ContactFactory(first_name="Lou", last_name="Local")
    db.session.commit()
    confirm = client.get(f"/contacts/{contact.id}/delete").get_data(as_text=True)
    assert "only in oncord" in confirm and "cannot be undone" in confirm and "Cliniko is not deleted" not in confirm
    response = client.post(f"/contacts/{contact.id}/delete", data={"csrf_token": csrf_token("/contacts/")},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Lou Local was deleted." in html and "Cliniko" not in html.split('class="flash')[1].split("</")[0]
    assert db.session.query(Contact).count() == 0


def test_a_delete_without_the_form_token_is_refused(client, db, login_as):
    login_as(Role.STAFF)
    contact = ContactFactory()
    db.session.commit()
    assert client.post(f"/contacts/{contact.id}/delete").status_code == 400
    assert db.session.query(Contact).count() == 1


def test_contact_and_page_deletes_ask_in_the_same_styled_way(client, db, login_as):
    from tests.factories import PageFactory

    login_as(Role.ADMIN)
    contact, page = ContactFactory(), PageFactory()
    db.session.commit()
    for url in (f"/contacts/{contact.id}/delete", f"/website/pages/{page.id}/delete"):
        html = client.get(url).get_data(as_text=True)
        card = html[html.index('class="card confirm-card"'):]
        assert '<div class="confirm-actions">' in card and 'class="button button-danger"' in card, url
        assert 'name="csrf_token"' in card and 'class="button button-secondary"' in card, url


def _check(client, url, field, data):
    return client.post(url, data=data, headers={"HX-Request": "true", "HX-Trigger-Name": field})


def test_fields_are_checked_as_they_are_typed_without_saving(client, db, login_as, csrf_token):
    login_as()
    contact = ContactFactory(linked=True, email="ok@example.com")
    db.session.commit()
    edit_page = client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    check_url = f"/contacts/{contact.id}/edit/check"
    assert f'data-hx-post="{check_url}"' in edit_page
    form = _form(contact, email="not an email", phone="12", csrf_token=csrf_token(f"/contacts/{contact.id}/edit"))

    email = _check(client, check_url, "email", form)
    assert email.status_code == 200
    html = email.get_data(as_text=True)
    assert 'class="field-feedback"' in html and "Enter an email address like" in html
    assert "not a valid phone number" not in html  # only the field being typed in answers
    assert "not a valid phone number" in _check(client, check_url, "phone", form).get_data(as_text=True)
    fixed = _check(client, check_url, "email", {**form, "email": "new@example.com"}).get_data(as_text=True)
    assert 'class="field-feedback"' in fixed and "error" not in fixed

    db.session.refresh(contact)
    assert contact.email == "ok@example.com"
    assert db.session.query(OutboxEdit).count() == 0


def test_the_add_form_checks_fields_too_and_refuses_unknown_ones(client, db, login_as, csrf_token):
    login_as()
    token = csrf_token("/contacts/new")
    form = {"first_name": "", "email": "", "phone": "", "csrf_token": token}
    assert "Enter a first name." in _check(client, "/contacts/new/check", "first_name", form).get_data(as_text=True)
    assert _check(client, "/contacts/new/check", "password", form).status_code == 400
    assert _check(client, "/contacts/new/check", "csrf_token", form).status_code == 400
    assert client.post("/contacts/new/check", data=form, headers={"HX-Request": "true", "HX-Trigger-Name": "email"}
                       ).status_code == 200
    assert db.session.query(Contact).count() == 0
    # a check without the CSRF token is refused like any other post
    assert _check(client, "/contacts/new/check", "email", {"email": "a@b.example"}).status_code == 400
