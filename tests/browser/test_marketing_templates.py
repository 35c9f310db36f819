"""Message templates in a real browser: write an email and an SMS, watch the live preview, fix a broken field."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from oncord.extensions import db
from oncord.models import ClinikoConnection, MessageTemplate
from tests.factories import AppointmentFactory, ContactFactory


def _seed():
    db.session.add(ClinikoConnection(account_name="Harbour Physio", booking_url="https://harbour.example/book"))
    contact = ContactFactory(first_name="Mia", last_name="Nguyen", email="mia@mail.example")
    AppointmentFactory(contact=contact, starts_at=datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=3))
    db.session.commit()
    return contact


def test_write_an_email_template_with_a_live_preview_for_a_real_contact(page, sign_in, screenshot):
    _seed()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in("staff")
    page.goto("/dashboard")
    page.click("nav >> text=Templates")
    page.click("text=New email template")
    page.fill("#name", "Spring recall")
    page.fill("#subject", "Time for a check-up, {{ contact.first_name | default(\"there\") }}")
    page.fill("#preheader", "Book online in a minute")
    page.fill("#body", "Hi {{ contact.first_name | default(\"there\") }},\n\nIt has been a while since your last visit. "
                       "**Book online** and we'll see you soon:\n\n[Book now]({{ clinic.booking_url }})\n\n"
                       "- Bring your referral\n- Wear comfortable clothes")
    frame = page.frame_locator("iframe.email-preview")
    expect(frame.locator("body")).to_contain_text("Hi Alex,")  # the sample contact until one is picked
    page.fill("#contact-search", "mia")
    page.press("#contact-search", "Enter")  # searches; never saves the half-written template
    expect(page.locator("#contact-pick")).to_contain_text("Mia Nguyen")
    expect(page.locator("h1")).to_have_text("New email template")
    expect(page.locator("#appointment-pick option")).not_to_have_text("Sample appointment")
    expect(frame.locator("body")).to_contain_text("Hi Mia,")  # picking a contact re-renders the preview
    expect(page.locator(".preview-subject")).to_have_text("Time for a check-up, Mia")
    expect(frame.locator("a", has_text="Book now")).to_have_attribute("href", "https://harbour.example/book")
    expect(frame.locator("body")).to_contain_text("Unsubscribe")
    assert page.locator("iframe.email-preview").get_attribute("sandbox") == ""
    screenshot("marketing-template-email-preview")

    page.fill("#body", "Hi {{ contact.firstname }}\n\n{% include 'base.html' %}")
    expect(page.locator(".template-problems")).to_contain_text("line 1: There is no merge field called “contact.firstname”")
    expect(page.locator(".template-problems")).to_contain_text("line 3: “{% include %}” is not allowed")
    page.click("#save-template")
    expect(page.locator(".field-feedback .error").first).to_contain_text("Line 1")
    assert db.session.query(MessageTemplate).count() == 0
    screenshot("marketing-template-email-problems")
    page.fill("#body", "Hi {{ contact.first_name }}")
    page.click("#save-template")
    expect(page.locator(".flash-success")).to_contain_text("“Spring recall” is saved.")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_write_an_sms_template_and_watch_the_count(page, sign_in, screenshot):
    _seed()
    sign_in("staff")
    page.goto("/marketing/templates/new?channel=sms")
    page.fill("#name", "Reminder")
    page.fill("#body", "Hi {{ contact.first_name }}, a reminder of your {{ appointment.type }} on {{ appointment.starts_at }}.")
    count = page.locator("#sms-count")
    expect(count).to_contain_text("1 SMS")
    expect(page.locator(".sms-bubble")).to_contain_text("Reply STOP to opt out")
    page.fill("#contact-search", "nguyen")
    expect(page.locator("#contact-pick")).to_contain_text("Mia Nguyen")
    page.fill("#body", "Hi {{ contact.first_name }}, see you {{ appointment.starts_at }} 😀")
    expect(page.locator(".sms-bubble")).to_contain_text("Hi Mia")
    expect(page.locator(".sms-count")).to_contain_text("/ 134")  # the emoji: 67 per part, not 153
    page.fill("#body", "a" * 200)
    expect(count).to_contain_text("2 SMS")
    page.fill("#body", "Hi {{ contact.first_name }}, your {{ appointment.type }} is on {{ appointment.date }} at "
                       "{{ appointment.time }}. Reply to this message if you need to change it. 😀")
    expect(page.locator(".sms-bubble")).to_contain_text("Reply to this message if you need to change it. 😀")
    expect(page.locator(".sms-unicode")).to_be_visible()
    screenshot("marketing-template-sms-preview")
    page.click("#save-template")
    expect(page.locator(".flash-success")).to_contain_text("saved")
    page.click("nav >> text=Templates")
    expect(page.locator(".templates-table")).to_contain_text("Reminder")
    screenshot("marketing-templates-list")
