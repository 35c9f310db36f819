"""Settings > Messaging: SMTP/Twilio/identity settings, secrets kept hidden, test sends explained."""
from __future__ import annotations

import logging
import socket

import pytest

from oncord.messaging.settings import effective_settings, saved_settings
from oncord.models import Role
from tests.fixtures.smtp import free_port, smtp_certificates, smtp_server  # noqa: F401

PAGE = "/settings/messaging/"
PASSWORD = "Sm7p-pa55word-XYZ"


def base_form(**fields) -> dict:
    data = {"smtp_host": "", "smtp_port": "", "smtp_security": "starttls", "smtp_username": "", "smtp_password": "",
            "from_name": "", "from_address": "", "reply_to": "", "twilio_account_sid": "", "twilio_auth_token": "",
            "twilio_sender": "", "clinic_name": "Harbour Physio", "postal_address": "1 Wharf St, Sydney NSW 2000",
            "phone": "", "website": "", "logo_url": "", "accent_colour": "", "sms_opt_out_wording": "Reply STOP to opt out"}
    return data | fields


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN, email="admin@clinic.example")


def save(client, csrf_token, **fields):
    return client.post(PAGE, data=base_form(csrf_token=csrf_token(PAGE), **fields))


def test_staff_cannot_open_it_and_the_sidebar_links_it_for_admins(client, db, login_as):
    login_as(Role.STAFF)
    assert client.get(PAGE).status_code == 403


def test_outbox_mode_is_stated_and_the_sidebar_links_here(client, db, admin):
    html = client.get(PAGE).get_data(as_text=True)
    assert ("Email is in outbox mode: messages are recorded here and nothing is sent until an SMTP server is saved."
            in html)
    assert 'value="Reply STOP to opt out"' in html  # the default wording, ready to save
    assert f'href="{PAGE}"' in html and "Marketing email cannot be sent until the clinic name and postal address" in html


def test_saving_smtp_keeps_the_password_encrypted_and_never_shows_it(client, db, admin, csrf_token):
    response = save(client, csrf_token, smtp_host="smtp.mail.example", smtp_port="587", smtp_username="clinic",
                    smtp_password=PASSWORD, from_name="Harbour Physio", from_address="hello@harbour.example",
                    reply_to="desk@harbour.example")
    assert response.status_code == 302
    settings = effective_settings()
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_password) == ("smtp.mail.example", 587, PASSWORD)
    raw = db.session.execute(db.text("SELECT smtp_password FROM messaging_settings")).scalar()
    assert PASSWORD not in raw
    html = client.get(PAGE).get_data(as_text=True)
    assert PASSWORD not in html and "A password is saved; leave empty to keep it." in html
    assert "Email is in outbox mode" not in html and "Sending through smtp.mail.example" in html

    save(client, csrf_token, smtp_host="smtp.mail.example", smtp_username="clinic", from_address="hello@harbour.example")
    assert effective_settings().smtp_password == PASSWORD  # blank keeps it
    save(client, csrf_token, smtp_host="smtp.mail.example", from_address="hello@harbour.example", clear_smtp_password="y")
    assert effective_settings().smtp_password is None


@pytest.mark.parametrize("fields, message", [
    ({"smtp_host": "smtp.mail.example", "smtp_security": "none", "from_address": "a@b.example"},
     "Sending without encryption is only allowed to a mail server on this machine"),
    ({"smtp_host": "smtp.mail.example"}, "Enter the address emails are sent from."),
    ({"smtp_port": "70000"}, "The port is a number from 1 to 65535."),
    ({"smtp_port": "abc"}, "The port is a number, e.g. 587."),
    ({"reply_to": "not-an-address"}, "Enter an email address such as reception@yourclinic.com."),
    ({"twilio_sender": "12345678901"}, "a sender name of 1 to 11 letters and digits with at least one letter"),
    ({"twilio_sender": "HarbourPhysio"}, "a sender name of 1 to 11 letters and digits with at least one letter"),
    ({"twilio_sender": "MG" + "0" * 31}, "or a Messaging Service SID (MG...)."),
    ({"twilio_sender": "+61 412"}, "a number in international format (+61412345678)"),
    ({"twilio_account_sid": "AC123"}, "The Account SID starts with AC followed by 32 letters and digits."),
    ({"logo_url": "http://harbour.example/logo.png"}, "The logo must be on an https:// address"),
    ({"accent_colour": "teal"}, "Enter a colour as #rrggbb, e.g. #0f766e."),
    ({"sms_opt_out_wording": ""}, "Marketing SMS must say how to opt out."),
])
def test_bad_settings_are_explained_and_nothing_is_saved(client, db, admin, csrf_token, fields, message):
    response = save(client, csrf_token, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert saved_settings() is None


@pytest.mark.parametrize("sender", ["+61412345678", "Harbour", "Physio 2", "MG" + "0123456789abcdef" * 2])
def test_every_kind_of_twilio_sender_is_accepted(client, db, admin, csrf_token, sender):
    assert save(client, csrf_token, twilio_sender=sender).status_code == 302
    assert saved_settings().twilio_sender == sender


def test_no_encryption_is_allowed_for_a_server_on_this_machine(client, db, admin, csrf_token):
    response = save(client, csrf_token, smtp_host="localhost", smtp_port="1025", smtp_security="none",
                    from_address="hello@harbour.example", logo_url="https://harbour.example/logo.png",
                    accent_colour="#0f766e")
    assert response.status_code == 302
    assert saved_settings().smtp_security == "none" and saved_settings().accent_colour == "#0f766e"


def test_environment_settings_are_shown_read_only_and_win(app, client, db, admin, csrf_token, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://envuser:{PASSWORD}@smtp.env.example:2525?security=ssl")
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", "tw-token-secret-123")
    html = client.get(PAGE).get_data(as_text=True)
    assert html.count("Set by ONCORD_SMTP_URL") == 5 and "Set by ONCORD_TWILIO_AUTH_TOKEN" in html
    assert 'value="smtp.env.example"' in html and "disabled" in html
    assert PASSWORD not in html and "tw-token-secret-123" not in html
    form = base_form(csrf_token=csrf_token(PAGE), from_address="hello@harbour.example")
    for name in ("smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password", "twilio_auth_token"):
        del form[name]  # disabled inputs post nothing
    assert client.post(PAGE, data=form).status_code == 302
    assert saved_settings().from_address == "hello@harbour.example"
    save(client, csrf_token, smtp_host="smtp.page.example", from_address="hello@harbour.example")
    assert saved_settings().smtp_host is None and effective_settings().smtp_host == "smtp.env.example"


def _configure(db, server, **overrides):
    from oncord.messaging.settings import get_or_create_settings

    row = get_or_create_settings()
    values = dict(smtp_host=server.host, smtp_port=server.port, smtp_security=server.security, smtp_username="clinic",
                  smtp_password=PASSWORD, from_address="hello@harbour.example", clinic_name="Harbour Physio")
    for name, value in (values | overrides).items():
        setattr(row, name, value)
    db.session.commit()


def test_send_test_email_shows_the_servers_answer(app, client, db, admin, csrf_token, smtp_server, monkeypatch):
    server = smtp_server("starttls", users={"clinic": PASSWORD})
    monkeypatch.setitem(app.config, "SMTP_CA_FILE", server.ca_file)
    _configure(db, server)
    response = client.post(f"{PAGE}test-email", data={"csrf_token": csrf_token(PAGE)}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sent to admin@clinic.example. The mail server answered: <code>250 2.0.0 Ok: queued as Q1</code>" in html
    assert server.received[0].rcpt_tos == ["admin@clinic.example"]


def _listening_but_silent():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


@pytest.mark.parametrize("case, sentence", [
    ("host", "Not sent. The mail server no-such-host.invalid could not be found; check the host name."),
    ("refused", "refused the connection; check the host and port."),
    ("login", "Not sent. The mail server refused the username or password: 535 5.7.8 Authentication failed"),
    ("tls", "Not sent. The mail server&#39;s certificate could not be trusted"),
    ("timeout", "did not answer within 1 seconds."),
])
def test_send_test_email_explains_each_failure_without_secrets(app, client, db, admin, csrf_token, smtp_server,
                                                                monkeypatch, caplog, case, sentence):
    caplog.set_level(logging.DEBUG)
    server = smtp_server("starttls", users={"clinic": "another-password"})
    monkeypatch.setitem(app.config, "SMTP_CA_FILE", None if case == "tls" else server.ca_file)
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT_SECONDS", 1)
    silent = _listening_but_silent()
    overrides = {"host": {"smtp_host": "no-such-host.invalid"}, "refused": {"smtp_port": free_port()},
                 "timeout": {"smtp_port": silent.getsockname()[1]}}.get(case, {})
    _configure(db, server, **overrides)
    try:
        response = client.post(f"{PAGE}test-email", data={"csrf_token": csrf_token(PAGE)})
    finally:
        silent.close()
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert sentence in html
    assert PASSWORD not in html and PASSWORD not in caplog.text
    assert server.received == []


def test_send_test_sms_in_outbox_mode_and_a_bad_number(client, db, admin, csrf_token):
    ok = client.post(f"{PAGE}test-sms", data={"csrf_token": csrf_token(PAGE), "to": "+61412345678"},
                     headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Recorded in the outbox; nothing was sent" in ok
    bad = client.post(f"{PAGE}test-sms", data={"csrf_token": csrf_token(PAGE), "to": "12"})
    assert bad.status_code == 422
    assert "Enter the mobile number in international format, e.g. +61412345678." in bad.get_data(as_text=True)


def test_test_sends_need_the_csrf_token(client, db, admin):
    assert client.post(f"{PAGE}test-email").status_code == 400


def test_the_settings_page_links_to_the_consent_records_export(client, db, login_as):
    login_as(Role.ADMIN)
    html = client.get("/settings/messaging/").get_data(as_text=True)
    assert 'href="/settings/messaging/consent.csv"' in html
    assert client.get("/settings/messaging/consent.csv").status_code == 200
