"""Staff pages at phone width (390 px): a top bar with a menu, nothing wider than the screen.

Practice managers check things on their phones. Each page is also shot at 1280 px to see
that the desktop layout (sidebar on the left) is unchanged.
"""
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from oncord.models import ClinikoConnection, SyncRun
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_contacts import seed as seed_contacts
from tests.factories import PageFactory

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def clinic(db):
    contacts = seed_contacts(db)
    connection = db.session.query(ClinikoConnection).one()
    connection.api_key = "0123456789abcdef0123456789abcdef-au2"
    connection.api_key_last4 = "cdef"
    connection.account_name = "Harbour Physio & Pilates"
    connection.connected_at = datetime(2025, 3, 1, tzinfo=timezone.utc)
    connection.last_full_sync_at = datetime(2025, 3, 2, tzinfo=timezone.utc)
    db.session.flush()
    for day in range(3):
        started = datetime(2025, 3, 2 + day, 1, tzinfo=timezone.utc)
        db.session.add(SyncRun(connection_id=connection.id, trigger="schedule", full=day == 0, status="succeeded",
                               done=500, total=500, started_at=started, finished_at=started + timedelta(minutes=2),
                               counts={"patients": {"created": 12, "updated": 3, "unchanged": 485}}, requests=31))
    page = PageFactory(title="Book an appointment with Harbour Physio", slug="book-now", published=True,
                       blocks=[{"type": "heading", "text": "Book online", "level": 1},
                               {"type": "text", "text": "Choose a time that suits you."},
                               {"type": "button", "label": "Book Now", "url": "https://harbour.au1.cliniko.com/bookings",
                                "style": "primary"}])
    db.session.commit()
    return {"ana": contacts["Ana"], "page": page}


PAGES = [
    ("dashboard", lambda c: "/dashboard"),
    ("contacts", lambda c: "/contacts/"),
    ("contact", lambda c: f"/contacts/{c['ana'].id}"),
    ("contact-edit", lambda c: f"/contacts/{c['ana'].id}/edit"),
    ("account", lambda c: "/account"),
    ("integrations", lambda c: "/settings/integrations/"),
    ("users", lambda c: "/settings/users/"),
    ("pages", lambda c: "/website/pages/"),
    ("editor", lambda c: f"/website/pages/{c['page'].id}/"),
]


def _shoot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _overflow(page) -> list[str]:
    """Elements that stick out past the right edge of the screen (scrolling boxes excepted)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth, out = [];
        for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.width === 0 || box.right <= width + 1) continue;
            let inScroller = false;
            for (let up = el.parentElement; up; up = up.parentElement) {
                const style = getComputedStyle(up);
                if (['auto', 'scroll', 'hidden'].includes(style.overflowX) && up.getBoundingClientRect().right <= width + 1) { inScroller = true; break; }
            }
            if (!inScroller) out.push(el.tagName + '.' + el.className + ' right=' + Math.round(box.right));
        }
        return out.slice(0, 10);
    }""")


def test_staff_pages_fit_a_phone_with_a_menu_in_a_top_bar(browser, live_server, clinic, make_user):
    context = browser.new_context(base_url=live_server, viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _sign_in(page, make_user)
        for name, path in PAGES:
            page.goto(path(clinic))
            _shoot(page, f"phone-{name}")
            bar = page.locator("nav.sidebar")
            expect(page.locator(".menu-toggle")).to_be_visible()
            expect(page.locator("#main-nav")).to_be_hidden()  # the menu starts folded
            assert bar.bounding_box()["height"] < 70, name  # a top bar, not a tall sidebar
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
            assert _overflow(page) == [], (name, _overflow(page))
        page.goto("/contacts/")
        toggle = page.locator(".menu-toggle")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#main-nav")).to_be_visible()
        _shoot(page, "phone-menu-open")
        page.locator("#main-nav >> text=Integrations").click()
        expect(page.locator("h1")).to_have_text("Integrations")
        expect(page.locator("#main-nav")).to_be_hidden()  # a new page starts folded again
        page.keyboard.press("Tab")  # the menu button is reachable by keyboard
        toggle.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#main-nav")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.locator("#main-nav")).to_be_hidden()
        expect(toggle).to_be_focused()
    finally:
        context.close()


def test_tables_scroll_sideways_inside_their_card_on_a_phone(browser, live_server, clinic, make_user):
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    try:
        _sign_in(page, make_user)
        page.goto("/settings/integrations/")
        history = page.locator(".history-card .table-scroll")
        expect(history).to_be_visible()
        assert history.evaluate("el => getComputedStyle(el).overflowX") == "auto"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_desktop_keeps_the_sidebar(browser, live_server, clinic, make_user):
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    page = context.new_page()
    try:
        _sign_in(page, make_user)
        for name, path in PAGES:
            page.goto(path(clinic))
            expect(page.locator(".menu-toggle")).to_be_hidden()
            expect(page.locator("#main-nav")).to_be_visible()
            box = page.locator("nav.sidebar").bounding_box()
            assert box["x"] == 0 and box["width"] == 240 and box["height"] >= DESKTOP["height"] - 1, name
            assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"], name
            _shoot(page, f"desktop-{name}")
    finally:
        context.close()


def _sign_in(page, make_user):
    from tests.factories import TEST_PASSWORD

    make_user("admin", email="pm@clinic.example", name="Priya Manager")
    page.goto("/login")
    page.fill("#email", "pm@clinic.example")
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/dashboard")


def test_a_receptionists_dashboard_on_a_phone(browser, live_server, db, make_user):
    from tests.factories import TEST_PASSWORD

    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    try:
        make_user("staff", email="desk@clinic.example", name="Dana Front")
        page.goto("/login")
        page.fill("#email", "desk@clinic.example")
        page.fill("#password", TEST_PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url("**/dashboard")
        expect(page.locator("main")).to_contain_text("Ask your administrator to connect Cliniko")
        expect(page.locator("main")).not_to_contain_text("make run")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _shoot(page, "phone-dashboard-staff")
    finally:
        context.close()
