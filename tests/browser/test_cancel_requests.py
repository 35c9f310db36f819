"""Replies asking to cancel show on the dashboard and the contact page; "Done" clears them in place."""
from playwright.sync_api import expect

from oncord.messaging import sms_keywords
from tests.factories import ContactFactory


def test_staff_see_and_dismiss_replies_that_may_want_to_cancel(page, db, sign_in, screenshot):
    mia = ContactFactory(first_name="Mia", last_name="Chen", phone="+61412345678", sms_status="subscribed")
    ContactFactory(first_name="Tom", last_name="Nguyen", phone="+61498765432")
    db.session.commit()
    sms_keywords.receive("SM" + "1" * 32, "+61412345678", "CANCEL")
    sms_keywords.receive("SM" + "2" * 32, "+61498765432", "Hi, can I reschedule Thursday's appointment to next week?")
    sms_keywords.receive("SM" + "3" * 32, "+61455500011", "Need to cancel tomorrow sorry")
    db.session.commit()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in()
    page.goto("/dashboard")
    card = page.locator("#cancel-requests")
    expect(card).to_contain_text("May want to cancel an appointment")
    expect(card.locator("li")).to_have_count(3)
    expect(card).to_contain_text("a number no contact has")
    screenshot("cancel-requests-dashboard")

    card.get_by_role("link", name="Mia Chen").click()
    notice = page.locator("#cancel-requests")
    expect(notice).to_contain_text("“CANCEL”")
    expect(notice).to_contain_text("This reply also stopped marketing SMS")
    expect(page.locator(".feed")).to_contain_text("SMS received")
    screenshot("cancel-requests-contact-page")
    notice.get_by_role("button", name="Done").click()
    expect(page.locator("#cancel-requests")).to_be_hidden()
    page.goto("/dashboard")
    expect(page.locator("#cancel-requests li")).to_have_count(2)
    assert not errors, errors
