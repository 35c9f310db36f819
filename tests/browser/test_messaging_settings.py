"""An admin sets up SMTP in Settings > Messaging and sends the test email to a real aiosmtpd."""
from playwright.sync_api import expect

from tests.fixtures.smtp import smtp_certificates, smtp_server  # noqa: F401


def test_admin_configures_smtp_and_the_test_email_arrives(app, page, sign_in, screenshot, smtp_server, monkeypatch):
    server = smtp_server("starttls", users={"clinic": "mail-Pa55word"})
    monkeypatch.setitem(app.config, "SMTP_CA_FILE", server.ca_file)
    sign_in("admin", email="ana@clinic.example", name="Ana Ruiz")
    page.click("nav >> text=Messaging")
    expect(page.locator("h1")).to_have_text("Messaging")
    expect(page.locator("main")).to_contain_text("Email is in outbox mode: messages are recorded here and nothing is "
                                                 "sent until an SMTP server is saved.")
    screenshot("messaging-settings-outbox")

    page.fill("#smtp_host", server.host)
    page.fill("#smtp_port", str(server.port))
    page.select_option("#smtp_security", "starttls")
    page.fill("#smtp_username", "clinic")
    page.fill("#smtp_password", "mail-Pa55word")
    page.fill("#from_name", "Harbour Physio")
    page.fill("#from_address", "hello@harbour.example")
    page.fill("#clinic_name", "Harbour Physio")
    page.fill("#postal_address", "1 Wharf St, Sydney NSW 2000")
    page.click("button:has-text('Save settings')")
    expect(page.locator(".flash-success")).to_have_text("Messaging settings saved.")
    expect(page.locator("main")).not_to_contain_text("Email is in outbox mode")
    expect(page.locator("#smtp_password")).to_have_value("")  # never shown again

    page.click("button:has-text('Send test email')")
    result = page.locator("#test-email-result")
    expect(result).to_contain_text("Sent to ana@clinic.example. The mail server answered: 250 2.0.0 Ok: queued as Q1")
    screenshot("messaging-settings-test-email")
    [got] = server.received
    assert got.rcpt_tos == ["ana@clinic.example"] and got.message["Subject"] == "Test email from oncord"
    assert "mail-Pa55word" not in page.content()


def test_a_refused_login_is_shown_in_one_sentence(app, page, sign_in, screenshot, smtp_server, monkeypatch):
    server = smtp_server("starttls", users={"clinic": "right-password"})
    monkeypatch.setitem(app.config, "SMTP_CA_FILE", server.ca_file)
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://clinic:wrong-password@127.0.0.1:{server.port}?security=starttls")
    sign_in("admin", email="ana@clinic.example", name="Ana Ruiz")
    page.goto("/settings/messaging/")
    expect(page.locator("main")).to_contain_text("Set by ONCORD_SMTP_URL")
    page.click("button:has-text('Send test email')")
    expect(page.locator("#test-email-result")).to_contain_text(
        "Not sent. The mail server refused the username or password: 535 5.7.8 Authentication failed")
    screenshot("messaging-settings-environment")
    assert "wrong-password" not in page.content() and server.received == []
