"""Duplicate warnings, the styled delete confirm and paging the contacts list, in a real browser."""
import re
import time

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.factories import ContactFactory


def test_a_duplicate_email_is_named_and_saving_anyway_is_a_choice(page, db, screenshot, sign_in):
    steven = ContactFactory(first_name="Steven", last_name="Allen", email="steven@mail.example", linked=True)
    db.session.commit()
    sign_in()
    page.goto("/contacts/new")
    expect(page.locator("#save_anyway")).to_have_count(0)
    page.fill("#first_name", "Steve")
    page.locator("#email").press_sequentially("Steven@mail.example", delay=20)
    email_field = page.locator(".field", has=page.locator("#email"))
    expect(email_field.locator(".error")).to_contain_text("Steven Allen (linked to Cliniko) already has this email.")
    expect(email_field.locator(".error a")).to_have_attribute("href", f"/contacts/{steven.id}")
    expect(page.locator("#save_anyway")).to_be_visible()  # offered as soon as the check finds them
    screenshot("contact-duplicate-warning")
    page.click("button:has-text('Add contact')")
    expect(page.locator(".duplicate-choice")).to_contain_text("This may be someone already in your contacts")
    expect(page).to_have_url(re.compile(r"/contacts/new$"))  # not saved
    page.check("#save_anyway")
    page.click("button:has-text('Add contact')")
    expect(page.locator(".flash-success")).to_contain_text("Steve was added")


def test_deleting_a_contact_asks_on_a_styled_page_not_a_browser_box(page, db, screenshot, sign_in):
    contact = ContactFactory(first_name="Lou", last_name="Local", linked=True)
    db.session.commit()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in()
    page.goto(f"/contacts/{contact.id}")
    page.click("a:has-text('Delete')")
    expect(page.locator("h1")).to_contain_text("Delete Lou Local?")
    expect(page.locator(".confirm-card")).to_contain_text("The patient in Cliniko is not deleted")
    screenshot("contact-delete-confirm")
    page.click("text=Keep them")
    expect(page.locator("h1")).to_contain_text("Lou Local")
    page.click("a:has-text('Delete')")
    page.click("button:has-text('Delete contact')")
    expect(page.locator(".flash-success")).to_contain_text("Lou Local was deleted from oncord")
    assert dialogs == []


def test_next_page_shows_the_top_of_the_list_with_labelled_filters(page, db, screenshot, sign_in, monkeypatch):
    monkeypatch.setattr("oncord.contacts.search.PAGE_SIZE", 20)
    for n in range(45):
        ContactFactory(first_name="Pat", last_name=f"Lee {n:02d}", email_status="subscribed")
    db.session.commit()
    sign_in()
    page.goto("/contacts/?email=subscribed")
    expect(page.locator("select[name=email] option:checked")).to_have_text("Email: Subscribed")
    page.select_option("select[name=sms]", "pending")
    expect(page.locator("select[name=sms] option:checked")).to_have_text("SMS: Pending")
    expect(page).to_have_url(re.compile(r"sms=pending"))  # the filtered rows are in (pushed after the swap)
    expect(page.locator(".contacts-table tbody tr")).to_have_count(20)
    page.locator("a:has-text('Next →')").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 300  # at the bottom, by the pager
    page.click("a:has-text('Next →')")
    expect(page.locator(".contacts-table tbody tr").first).to_contain_text("Lee 20")
    # the list's top is in view again, just below the window's edge (its scroll-margin)
    # Polled from here: wait_for_function would need eval, which the staff pages' CSP refuses.
    card_top = "document.querySelector('.contacts-card').getBoundingClientRect().top"
    deadline = time.monotonic() + 10
    while not 0 <= page.evaluate(card_top) < 40 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert 0 <= page.evaluate(card_top) < 40
    assert page.evaluate("window.scrollY") > 0  # scrolled to the list, not back to the page's very top
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "contacts-next-page.png"))  # what staff see: the window, not the page
