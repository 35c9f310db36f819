"""A patient unsubscribes from an email's link, signed out; staff then see it on the contact page."""
from playwright.sync_api import expect

from oncord.messaging import unsubscribe
from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import EmailDraft
from oncord.models import ConsentStatus, MessagingSettings
from tests.factories import ContactFactory


def test_unsubscribe_link_then_the_contact_page(app, db, page, sign_in, screenshot):
    db.session.add(MessagingSettings(clinic_name="Bondi Physio", postal_address="1 Beach Rd, Bondi NSW 2026"))
    contact = ContactFactory(first_name="Mia", last_name="Chen", email="mia@example.com",
                             email_status=ConsentStatus.SUBSCRIBED.value)
    db.session.commit()
    key = "campaign:1:contact:1"
    message = deliver(key, contact, EmailDraft(to=contact.email, subject="Winter check-ups", text="Hi Mia"),
                      kind="marketing", source="campaign")
    assert message.status == "sent" and "List-Unsubscribe" in message.headers
    link = unsubscribe.unsubscribe_url(contact, key).removeprefix(app.config["PUBLIC_URL"])  # the footer link

    page.goto(link)
    expect(page.locator("h1")).to_have_text("Stop marketing emails from Bondi Physio?")
    screenshot("unsubscribe-confirm")
    page.click("button:has-text('Unsubscribe')")
    expect(page.locator("h1")).to_have_text("You're unsubscribed")
    expect(page.locator("main")).to_contain_text("Bondi Physio will no longer send you marketing emails")
    screenshot("unsubscribe-done")

    sign_in()
    page.goto(f"/contacts/{contact.id}")
    expect(page.locator(".consent-list")).to_contain_text("Unsubscribed")
    history = page.locator("#consent-history")
    expect(history).to_contain_text("Subscribed → Unsubscribed")
    expect(history).to_contain_text("Unsubscribe link in an email")
    expect(history).to_contain_text(f"message #{message.id}")
    screenshot("unsubscribe-contact-page")
