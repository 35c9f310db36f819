"""Issue 11's whole messaging flow in a real browser, end to end.

An admin points oncord at a real SMTP server (aiosmtpd on loopback) and sends the test email; staff
write a marketing template; a marketing email rendered from it goes through deliver() to a
Subscribed patient and arrives with its List-Unsubscribe headers; Marketing > Messages shows it;
the patient, logged out, opens the link from the email and confirms; the contact page shows the new
status and the consent history; the next push tells the Cliniko sandbox.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from oncord.extensions import db
from oncord.messaging import message_templates, unsubscribe
from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import EmailDraft
from oncord.messaging.email_render import EmailSource, render_email
from oncord.models import ConsentStatus, Contact, MessageTemplate
from oncord.sync import pull
from tests.browser.conftest import ARTIFACTS
from tests.fixtures.smtp import smtp_certificates, smtp_server  # noqa: F401

PASSWORD = "mail-Pa55word"
KEY = "campaign:1:contact:1"


def _draft_from_template(app, template: MessageTemplate, contact: Contact) -> EmailDraft:
    """What a campaign does with a saved template: render it for the contact, with their unsubscribe link."""
    identity = message_templates.clinic_identity()
    context = message_templates.preview_context(contact, None, identity, zone=app.config["CLINIC_TIMEZONE"],
                                                unsubscribe_url=unsubscribe.unsubscribe_url(contact, KEY))
    rendered = render_email(EmailSource(template.subject, template.preheader, template.body), context,
                            identity.branding, identity.sender, marketing=template.kind == "marketing")
    return EmailDraft(to=contact.email, subject=rendered.subject, text=rendered.text, html=rendered.html)


def test_the_whole_messaging_flow(app, browser, live_server, page, sign_in, screenshot, smtp_server, sandbox,
                                  connected, run_jobs, monkeypatch):
    server = smtp_server("starttls", users={"clinic": PASSWORD})
    monkeypatch.setitem(app.config, "SMTP_CA_FILE", server.ca_file)
    monkeypatch.setitem(app.config, "PUSH_DELAY_SECONDS", 0)  # the push is due at once: one push cycle
    sandbox.reset(patients=0, appointments=0, seed=1)
    patient = sandbox.world.create_patient(first_name="Mia", last_name="Chen", email="mia@example.com",
                                           accepted_email_marketing=True)
    pull.run(connected.id)
    contact = db.session.query(Contact).filter_by(cliniko_patient_id=int(patient["id"])).one()
    assert contact.email_status == ConsentStatus.SUBSCRIBED.value

    # 1. An admin configures SMTP and the sender identity, then sends the test email.
    sign_in("admin", email="ana@clinic.example", name="Ana Ruiz")
    page.click("nav >> text=Messaging")
    page.fill("#smtp_host", server.host)
    page.fill("#smtp_port", str(server.port))
    page.select_option("#smtp_security", "starttls")
    page.fill("#smtp_username", "clinic")
    page.fill("#smtp_password", PASSWORD)
    page.fill("#from_name", "Harbour Physio")
    page.fill("#from_address", "hello@harbour.example")
    page.fill("#clinic_name", "Harbour Physio")
    page.fill("#postal_address", "1 Wharf St, Sydney NSW 2000")
    page.click("button:has-text('Save settings')")
    expect(page.locator(".flash-success")).to_have_text("Messaging settings saved.")
    page.click("button:has-text('Send test email')")
    expect(page.locator("#test-email-result")).to_contain_text(
        "Sent to ana@clinic.example. The mail server answered: 250 2.0.0 Ok: queued as Q1")
    screenshot("acceptance-1-test-email")
    [test_email] = server.received
    assert test_email.rcpt_tos == ["ana@clinic.example"] and test_email.message["Subject"] == "Test email from oncord"

    # 2. Staff write a marketing template under Marketing > Templates.
    page.click("nav >> text=Templates")
    page.click("text=New email template")
    page.fill("#name", "Winter recall")
    page.check("input[name=kind][value=marketing]")
    page.fill("#subject", "Winter check-ups, {{ contact.first_name | default(\"there\") }}")
    page.fill("#preheader", "Book online in a minute")
    page.fill("#body", "Hi {{ contact.first_name | default(\"there\") }},\n\nIt is time for your **winter check-up**.")
    page.click("#save-template")
    expect(page.locator(".flash-success")).to_contain_text("“Winter recall” is saved.")
    template = db.session.query(MessageTemplate).filter_by(name="Winter recall").one()

    # 3. A marketing email rendered from it goes through deliver() and arrives over SMTP.
    db.session.expire_all()
    contact = db.session.get(Contact, contact.id)
    message = deliver(KEY, contact, _draft_from_template(app, template, contact), kind="marketing", source="campaign")
    assert message.status == "sent", message.reason
    [_, got] = server.received
    email = got.message
    assert got.rcpt_tos == ["mia@example.com"] and email["Subject"] == "Winter check-ups, Mia"
    assert email["From"] == "Harbour Physio <hello@harbour.example>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<https?://[^>]+/unsubscribe/one-click/[^>]+>", email["List-Unsubscribe"])
    assert email.get_content_type() == "multipart/alternative"
    text = email.get_body(("plain",)).get_content()
    assert "Hi Mia," in text and "1 Wharf St, Sydney NSW 2000" in text  # merge field and sender identity
    link = re.search(r"https?://\S+/unsubscribe/(?!one-click)\S+", text).group(0)
    assert "one-click" not in link

    # 4. Marketing > Messages lists it; opened, it shows as sent.
    page.click("nav >> text=Messages")
    row = page.locator(".messages-table tbody tr", has_text="Winter check-ups, Mia")
    expect(row).to_contain_text("Mia Chen")
    expect(row).to_contain_text("Sent")
    screenshot("acceptance-2-messages")
    row.locator("a", has_text="Winter check-ups, Mia").click()
    expect(page.frame_locator("iframe").locator("body")).to_contain_text("winter check-up")
    expect(page.locator("main")).to_contain_text("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    screenshot("acceptance-3-message")

    # 5. The patient, not signed in, opens the link from the email and confirms.
    patient_context = browser.new_context(base_url=live_server)
    try:
        patient_page = patient_context.new_page()
        patient_page.set_default_timeout(10_000)
        patient_page.goto(link.removeprefix(app.config["PUBLIC_URL"]))
        expect(patient_page.locator("h1")).to_have_text("Stop marketing emails from Harbour Physio?")
        db.session.expire_all()
        assert db.session.get(Contact, contact.id).email_status == ConsentStatus.SUBSCRIBED.value  # GET changes nothing
        patient_page.click("button:has-text('Unsubscribe')")
        expect(patient_page.locator("h1")).to_have_text("You're unsubscribed")
        patient_page.screenshot(path=str(ARTIFACTS / "acceptance-4-unsubscribed.png"), full_page=True)
    finally:
        patient_context.close()

    # 6. Staff see the new status and the consent history on the contact page.
    page.goto(f"/contacts/{contact.id}")
    expect(page.locator(".consent-list")).to_contain_text("Unsubscribed")
    history = page.locator("#consent-history")
    expect(history).to_contain_text("Subscribed → Unsubscribed")
    expect(history).to_contain_text("Unsubscribe link in an email")
    expect(history).to_contain_text(f"message #{message.id}")
    expect(history).to_contain_text("Cliniko not told yet")
    expect(page.locator("main")).to_contain_text("Email: Winter check-ups, Mia")  # the activity feed
    screenshot("acceptance-5-contact")

    # 7. The next push tells Cliniko.
    assert sandbox.world.patient(patient["id"])["accepted_email_marketing"] is True
    run_jobs(include_scheduled=True)
    assert sandbox.world.patient(patient["id"])["accepted_email_marketing"] is False
    page.reload()
    expect(page.locator("#consent-history")).to_contain_text("Cliniko told")
    expect(page.locator("#consent-history")).not_to_contain_text("Cliniko not told yet")
    screenshot("acceptance-6-cliniko-told")
