"""Marketing > Templates: list, create, edit, delete, problems beside the editor, and the live preview."""
import html as html_lib
import re
from datetime import datetime, timezone

from oncord.models import MessageTemplate, Role
from tests.factories import AppointmentFactory, ContactFactory

EMAIL = {"name": "Recall", "channel": "email", "kind": "marketing", "subject": "Hi {{ contact.first_name }}",
         "preheader": "Time for a check-up", "body": "Hello **{{ contact.first_name | default(\"there\") }}**"}


def _template(db, **fields) -> MessageTemplate:
    template = MessageTemplate(**{**EMAIL, **fields})
    db.session.add(template)
    db.session.commit()
    return template


def test_templates_need_sign_in(client, db, make_user):
    make_user(Role.ADMIN)  # past first-run setup
    login_as_nobody = client.get("/marketing/templates/")
    assert login_as_nobody.status_code == 302 and "/login" in login_as_nobody.headers["Location"]
    assert client.get("/marketing/templates/preview/contacts?q=a", headers={"HX-Request": "true"}).status_code == 401


def test_staff_see_templates_in_the_nav_and_create_one(client, db, login_as, csrf_token):
    user = login_as(Role.STAFF)
    assert "/marketing/templates/" in client.get("/dashboard").get_data(as_text=True)
    token = csrf_token("/marketing/templates/new?channel=email")
    response = client.post("/marketing/templates/new", data={"csrf_token": token, **EMAIL})
    template = db.session.query(MessageTemplate).one()
    assert response.status_code == 302 and response.headers["Location"] == f"/marketing/templates/{template.id}/"
    assert (template.name, template.channel, template.kind, template.created_by_id) == ("Recall", "email", "marketing", user.id)
    listing = client.get("/marketing/templates/").get_data(as_text=True)
    assert "Recall" in listing and "Email" in listing


def test_saving_without_a_csrf_token_is_refused(client, db, login_as):
    login_as()
    assert client.post("/marketing/templates/new", data=EMAIL).status_code == 400
    assert db.session.query(MessageTemplate).count() == 0


def test_a_broken_template_is_not_saved_and_the_problems_show_with_their_line(client, db, login_as, csrf_token):
    login_as()
    template = _template(db)
    token = csrf_token(f"/marketing/templates/{template.id}/")
    body = "Hello\n\n{{ contact.first_name }}\n{{ config }}\n{% include 'base.html' %}"
    response = client.post(f"/marketing/templates/{template.id}/",
                           data={"csrf_token": token, **EMAIL, "subject": "Hi {{ contact.frist_name }}", "body": body})
    page = html_lib.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Line 4: There is no merge field called “config”." in page
    assert "Line 5: “{% include %}” is not allowed" in page
    assert "Line 1: There is no merge field called “contact.frist_name”." in page
    assert body in page  # what staff typed is kept for them to fix
    db.session.refresh(template)
    assert template.body == EMAIL["body"]


def test_a_syntax_error_is_refused_with_its_line(client, db, login_as, csrf_token):
    login_as()
    token = csrf_token("/marketing/templates/new?channel=sms")
    response = client.post("/marketing/templates/new", data={
        "csrf_token": token, "name": "Reminder", "channel": "sms", "kind": "factual", "body": "Hi\n{{ contact.first_name "})
    assert response.status_code == 422 and "Line 2: This could not be read" in response.get_data(as_text=True)
    assert db.session.query(MessageTemplate).count() == 0


def test_required_fields_are_named(client, db, login_as, csrf_token):
    login_as()
    token = csrf_token("/marketing/templates/new?channel=email")
    response = client.post("/marketing/templates/new", data={"csrf_token": token, "channel": "email", "kind": "marketing",
                                                             "name": "", "subject": "", "body": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the template a name." in page and "An email needs a subject." in page and "Write the message." in page


def test_an_unknown_channel_or_template_is_a_clear_4xx(client, db, login_as, csrf_token):
    login_as()
    assert client.get("/marketing/templates/new?channel=fax").status_code == 404
    assert client.get("/marketing/templates/999999/").status_code == 404
    token = csrf_token("/marketing/templates/")
    response = client.post("/marketing/templates/new", data={"csrf_token": token, **EMAIL, "channel": "fax"})
    assert response.status_code == 400


def test_edit_keeps_the_channel_and_delete_asks_first(client, db, login_as, csrf_token):
    login_as()
    template = _template(db, channel="sms", subject="", preheader="", body="Hi {{ contact.first_name }}")
    token = csrf_token(f"/marketing/templates/{template.id}/")
    response = client.post(f"/marketing/templates/{template.id}/", data={
        "csrf_token": token, "name": "Renamed", "channel": "email", "kind": "factual", "body": "See you {{ appointment.date }}"})
    assert response.status_code == 302
    db.session.refresh(template)
    assert (template.name, template.channel, template.kind) == ("Renamed", "sms", "factual")
    confirm = client.get(f"/marketing/templates/{template.id}/delete")
    assert confirm.status_code == 200 and "confirm-card" in confirm.get_data(as_text=True)
    template_id = template.id
    assert db.session.get(MessageTemplate, template_id) is not None
    assert client.post(f"/marketing/templates/{template_id}/delete", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(MessageTemplate, template_id) is None
    assert "“Renamed” is deleted." in client.get("/marketing/templates/").get_data(as_text=True)


def _preview(client, token, **fields):
    return client.post("/marketing/templates/preview", headers={"HX-Request": "true"},
                       data={"csrf_token": token, **EMAIL, **fields})


def test_the_email_preview_renders_for_the_picked_contact_in_a_sandboxed_iframe(client, app, db, login_as, csrf_token):
    login_as()
    contact = ContactFactory(first_name="Mia", last_name="<b>Nguyen</b>")
    appointment = AppointmentFactory(contact=contact, starts_at=datetime(2025, 4, 7, 23, 0, tzinfo=timezone.utc))
    other = ContactFactory()
    others_appointment = AppointmentFactory(contact=other)
    db.session.commit()
    token = csrf_token("/marketing/templates/new?channel=email")
    response = _preview(client, token, contact_id=contact.id, appointment_id=appointment.id,
                        body="Dear {{ contact.full_name }}, see you {{ appointment.starts_at }}.")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<iframe class="email-preview" sandbox srcdoc="' in page
    srcdoc = html_lib.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    assert "Dear Mia &lt;b&gt;Nguyen&lt;/b&gt;, see you Tuesday 8 April 2025 at 9:00 am." in srcdoc  # Sydney, AEST
    assert "<b>Nguyen" not in srcdoc and "<script" not in srcdoc
    assert 'class="preview-subject">Hi Mia<' in page
    # Another contact's appointment is never shown for this one: their next appointment is used instead.
    page = _preview(client, token, contact_id=contact.id, appointment_id=others_appointment.id,
                    body="{{ appointment.date }}").get_data(as_text=True)
    assert "Tuesday 8 April 2025" in html_lib.unescape(page)


def test_a_class_attendance_can_be_picked_for_the_preview(client, db, login_as, csrf_token):
    login_as()
    contact = ContactFactory(first_name="Mia")
    AppointmentFactory(contact=contact, starts_at=datetime(2025, 4, 7, 23, 0, tzinfo=timezone.utc))
    seat = AppointmentFactory(id=-1390000000000000042, kind="group", attendee_id=1390000000000000042,
                              contact=contact, starts_at=datetime(2025, 4, 9, 23, 0, tzinfo=timezone.utc))
    db.session.commit()
    token = csrf_token("/marketing/templates/new?channel=email")
    page = _preview(client, token, contact_id=contact.id, appointment_id=seat.id,
                    body="{{ appointment.date }}").get_data(as_text=True)
    assert "Thursday 10 April 2025" in html_lib.unescape(page)


def test_the_preview_lists_problems_instead_of_rendering(client, db, login_as, csrf_token):
    login_as()
    token = csrf_token("/marketing/templates/new?channel=email")
    page = html_lib.unescape(_preview(client, token, body="ok\n{{ ''.__class__.__mro__ }}").get_data(as_text=True))
    assert "Message, line 2: Only merge fields" in page and "iframe" not in page


def test_the_sms_preview_counts_characters_and_segments_with_the_opt_out(client, db, login_as, csrf_token):
    login_as()
    token = csrf_token("/marketing/templates/new?channel=sms")
    page = _preview(client, token, channel="sms", kind="marketing", body="a" * 138).get_data(as_text=True)
    # 138 + newline + "Reply STOP to opt out" (21) = 160: one SMS; one character more makes two.
    assert "Reply STOP to opt out" in page and "<strong>160 / 160</strong>" in page and "<strong>1 SMS</strong>" in page
    page = _preview(client, token, channel="sms", kind="marketing", body="a" * 139).get_data(as_text=True)
    assert "<strong>161 / 306</strong>" in page and "<strong>2 SMS</strong>" in page
    page = _preview(client, token, channel="sms", kind="factual", body="Hi 😀").get_data(as_text=True)
    assert "STOP" not in page and "<strong>5 / 70</strong>" in page and "70 characters instead of 160" in page


def test_contact_search_and_appointments_for_the_preview(client, db, login_as):
    login_as()
    contact = ContactFactory(first_name="Zelda", last_name="Quince")
    AppointmentFactory(contact=contact)
    db.session.commit()
    found = client.get("/marketing/templates/preview/contacts?q=zelda").get_data(as_text=True)
    assert f'value="{contact.id}"' in found and "Zelda Quince" in found
    none = client.get("/marketing/templates/preview/contacts?q=nobody-at-all").get_data(as_text=True)
    assert "No contact matches" in none
    appointments = client.get(f"/marketing/templates/preview/appointments?contact_id={contact.id}").get_data(as_text=True)
    assert "Standard consultation" in appointments or "consultation" in appointments or "Follow-up" in appointments
    assert client.get("/marketing/templates/preview/appointments?contact_id=abc").status_code == 200


def test_impossible_ids_and_oversized_bodies_get_a_clear_answer_not_a_500(client, db, login_as, csrf_token):
    login_as()
    token = csrf_token("/marketing/templates/new?channel=email")
    for contact_id, appointment_id in [("99999999999999", "1"), ("-1", "99999999999999999999999"), ("x", "½")]:
        response = _preview(client, token, contact_id=contact_id, appointment_id=appointment_id)
        assert response.status_code == 200 and "made-up details" in response.get_data(as_text=True)
    assert client.get("/marketing/templates/preview/appointments?contact_id=99999999999999").status_code == 200
    assert client.get("/marketing/templates/99999999999999/").status_code == 404
    too_long = _preview(client, token, body="x" * 20_001).get_data(as_text=True)
    assert "A message can be at most 20,000 characters long." in too_long
    saved = client.post("/marketing/templates/new", data={"csrf_token": token, **EMAIL, "body": "x" * 20_001})
    assert saved.status_code == 422 and db.session.query(MessageTemplate).count() == 0


def test_the_preview_uses_the_sender_identity_and_the_contacts_own_unsubscribe_link(client, db, login_as, csrf_token):
    """Settings > Messaging's clinic name and address are what patients will see, and the footer's
    link is the picked contact's signed one, which opens the real confirm page."""
    from oncord.messaging.settings import get_or_create_settings
    from oncord.messaging.unsubscribe import read_token
    from tests.factories import ContactFactory

    login_as()
    settings = get_or_create_settings()
    settings.clinic_name, settings.postal_address = "Bondi Physio", "1 Beach Rd, Bondi NSW 2026"
    contact = ContactFactory(first_name="Mia", email_status="subscribed")
    db.session.commit()
    response = client.post("/marketing/templates/preview", data={
        "csrf_token": csrf_token("/marketing/templates/new?channel=email"), "name": "Recall", "channel": "email",
        "kind": "marketing", "subject": "Hi {{ contact.first_name }}", "preheader": "", "body": "Time for a check-up.",
        "contact_id": str(contact.id)})
    html = response.get_data(as_text=True)
    assert "Bondi Physio" in html and "1 Beach Rd, Bondi NSW 2026" in html
    token = html.split("/unsubscribe/", 1)[1].split("&", 1)[0].split('"', 1)[0]
    assert read_token(token).contact_id == contact.id


def test_every_templates_page_says_when_nothing_is_sent(client, db, login_as):
    """Outbox mode: staff must not think a message written here went out."""
    login_as()
    template = _template(db)
    for path in ("/marketing/templates/", "/marketing/templates/new?channel=email", "/marketing/templates/new?channel=sms",
                 f"/marketing/templates/{template.id}/", f"/marketing/templates/{template.id}/delete"):
        page = client.get(path).get_data(as_text=True)
        assert 'class="outbox-banner"' in page and "nothing is sent until email and SMS settings are saved" in page, path
