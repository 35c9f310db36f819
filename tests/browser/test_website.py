"""Website pages in a real browser: build a Book Now page, publish it, visit it anonymously."""
import re

from playwright.sync_api import expect

from oncord.extensions import db
from oncord.models import ClinikoConnection, Page
from tests.website.cliniko_samples import CLINIKO_EMBED, CLINIKO_SRC

BOOKING_URL = "https://harbour.au1.cliniko.com/bookings"


def _drag(page, source, target, above=False):
    """SortableJS runs in fallback (mouse) mode: move in steps so it sees a drag."""
    box, goal = source.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 10, box["y"] + box["height"] / 2 + 10, steps=5)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + (8 if above else goal["height"] - 20), steps=20)
    page.mouse.up()
    expect(page.locator(".sortable-fallback, #canvas .sortable-ghost")).to_have_count(0)


def _new_page(page, title):
    page.goto("/website/pages/")
    page.fill("#title", title)
    page.click("button:has-text('Create page')")
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator("[data-page-editor][data-ready]")).to_have_count(1)  # its script has run


def test_build_publish_and_visit_a_book_now_page(page, browser, live_server, sign_in, screenshot):
    db.session.add(ClinikoConnection(account_name="Harbour Physio", subdomain="harbour", shard="au3"))
    db.session.commit()
    page.route("https://my-org.au3.cliniko.com/**", _stub_cliniko)
    sign_in("staff")
    _new_page(page, "Book Now")
    expect(page.locator(".canvas-empty")).to_be_visible()

    _drag(page, page.locator(".palette-item[data-type=embed]"), page.locator("#canvas"))
    block = page.locator("#canvas > .block[data-type=embed]")
    expect(block).to_have_count(1)
    expect(page.locator(".palette-item[data-type=embed]")).to_have_count(1)  # the palette keeps its copy
    block.click()
    expect(block).to_have_class("block is-selected")
    page.click("#selection-panel button:has-text('Edit')")
    page.fill("#block-code", CLINIKO_EMBED)
    page.click("#block-form button:has-text('Apply')")
    expect(page.locator("#block-notes")).to_contain_text("Cliniko booking embed recognised")
    expect(page.locator(f"#canvas iframe[src='{CLINIKO_SRC}']")).to_have_count(1)
    page.click("#palette .palette-item[data-type=heading]")  # click appends
    expect(page.locator("#canvas > .block")).to_have_count(2)
    expect(page.locator("#block-notes")).to_be_empty()
    page.click("#selection-panel button:has-text('Edit')")
    page.fill("#block-text", "Book your appointment online")
    page.click("#block-form button:has-text('Apply')")
    expect(page.locator("#canvas h2")).to_have_text("Book your appointment online")
    _drag(page, page.locator("#canvas > .block[data-type=heading]"), page.locator("#canvas > .block[data-type=embed]"), above=True)
    expect(page.locator("#canvas > .block").first).to_have_attribute("data-type", "heading")
    page.locator("#canvas > .block[data-type=embed]").click()
    expect(page.locator("#selected-label")).to_have_text("EMBED")
    screenshot("website-editor")

    page.click("#save-page")
    expect(page.locator(".flash-success")).to_contain_text("Saved")
    page.click("button:has-text('Publish')")
    expect(page.locator(".flash-success")).to_contain_text(f"Published at {live_server}/book-now")
    saved = db.session.query(Page).one()  # before the home page below exists
    db.session.refresh(saved)
    assert [b["type"] for b in saved.blocks] == ["heading", "embed"] and saved.blocks[1]["code"] == CLINIKO_EMBED

    db.session.add(Page(title="Welcome", slug="welcome", published=True, is_home=True,
                        blocks=[{"type": "heading", "text": "Welcome to Harbour Physio", "level": 1}]))
    db.session.commit()

    visitor = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    try:
        public = visitor.new_page()
        public.route("https://my-org.au3.cliniko.com/**", _stub_cliniko)
        public.goto("/")  # visitors find the booking page from the home page's menu
        public.click(".site-nav a:has-text('Book Now')")
        public.wait_for_url("**/book-now")
        expect(public.locator(".site-nav a[aria-current=page]")).to_have_text("Book Now")
        errors = []
        public.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        public.goto("/book-now")
        expect(public.locator(".site-name")).to_have_text("Harbour Physio")
        frame = public.locator("iframe#cliniko-62506279")
        expect(frame).to_have_attribute("src", CLINIKO_SRC)
        expect(public.frame_locator("iframe#cliniko-62506279").locator("h1")).to_have_text("Cliniko bookings (stub)")
        assert not [e for e in errors if "Content Security Policy" in e], errors
        public.screenshot(path=str(_artifact("website-public")), full_page=True)
    finally:
        visitor.close()


def _stub_cliniko(route):
    route.fulfill(status=200, content_type="text/html",
                  body="<body style='font-family:sans-serif;background:#f4f7fb'><h1>Cliniko bookings (stub)</h1>"
                       "<p>Choose a practitioner</p></body>")


def _artifact(name):
    from tests.browser.conftest import ARTIFACTS
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_book_now_button_reorder_and_follow(page, browser, live_server, sign_in):
    db.session.add(ClinikoConnection(account_name="Harbour Physio", booking_url=BOOKING_URL))
    db.session.commit()
    sign_in("staff")
    _new_page(page, "Appointments")
    page.click("#palette .palette-item[data-type=heading]")
    expect(page.locator("#canvas > .block")).to_have_count(1)
    page.click("#palette .palette-item[data-type=booknow]")
    expect(page.locator("#canvas > .block")).to_have_count(2)
    button = page.locator("#canvas > .block[data-type=booknow]")
    expect(button.locator("a.book-now")).to_have_attribute("href", BOOKING_URL)
    button.click()
    page.click("#selection-panel button:has-text('Edit')")
    page.fill("#block-label", "Book your visit")
    page.click("#block-form button:has-text('Apply')")
    expect(page.locator("#canvas a.book-now")).to_have_text("Book your visit")

    # Drag the button above the heading, save, reload: the order holds.
    _drag(page, page.locator("#canvas > .block[data-type=booknow]"), page.locator("#canvas > .block[data-type=heading]"), above=True)
    types = lambda: page.locator("#canvas > .block").evaluate_all("els => els.map(e => e.dataset.type)")  # noqa: E731
    expect(page.locator("#canvas > .block").first).to_have_attribute("data-type", "booknow")
    assert types() == ["booknow", "heading"]
    page.locator("#canvas > .block[data-type=heading]").click()  # the arrows move a block too
    page.click("#selection-panel button[aria-label='Move up']")
    assert types() == ["heading", "booknow"]
    page.click("#save-page")
    expect(page.locator(".flash-success")).to_contain_text("Saved")
    page.reload()
    assert types() == ["heading", "booknow"]
    page.click("button:has-text('Publish')")
    expect(page.locator(".flash-success")).to_contain_text("Published")

    visitor = browser.new_context(base_url=live_server)
    try:
        public = visitor.new_page()
        public.route(BOOKING_URL + "*", lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Book online</title><h1>Harbour Physio bookings</h1>"))
        public.goto("/appointments")
        link = public.locator("a.book-now")
        expect(link).to_have_attribute("href", BOOKING_URL)
        link.click()
        public.wait_for_url(BOOKING_URL)
        expect(public.locator("h1")).to_have_text("Harbour Physio bookings")
    finally:
        visitor.close()


def test_unsaved_changes_warn_before_leaving(page, sign_in):
    sign_in("staff")
    _new_page(page, "Draft")
    page.click("#palette .palette-item[data-type=text]")
    expect(page.locator("#canvas > .block")).to_have_count(1)
    expect(page.locator("[data-page-editor]")).to_have_class(re.compile(r"\bis-dirty\b"))
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.goto("/dashboard")
    assert dialogs == ["beforeunload"]


def test_visitors_without_a_home_page_see_the_clinic_never_the_login(browser, live_server, db, make_user):
    make_user("admin")  # past first-run setup
    db.session.add(ClinikoConnection(account_name="Harbour Physio", booking_url=BOOKING_URL))
    db.session.commit()
    visitor = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    try:
        public = visitor.new_page()
        public.route(BOOKING_URL + "*", lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Book online</title><h1>Harbour Physio bookings</h1>"))
        public.goto("/")
        assert public.url == live_server + "/"  # no redirect to the staff login
        expect(public.locator("h1")).to_have_text("Harbour Physio")
        expect(public.locator("#password")).to_have_count(0)
        public.screenshot(path=str(_artifact("public-welcome")), full_page=True)
        public.goto("/no-such-page")
        expect(public.locator("h1")).to_have_text("Page not found")
        public.click("a:has-text('Go to the home page')")
        public.wait_for_url(live_server + "/")
        expect(public.locator("h1")).to_have_text("Harbour Physio")
        public.click("a.book-now")
        public.wait_for_url(BOOKING_URL)
        expect(public.locator("h1")).to_have_text("Harbour Physio bookings")
    finally:
        visitor.close()


def test_published_link_opens_the_live_page_and_book_now_reopens_its_page(page, live_server, sign_in, screenshot):
    db.session.add(ClinikoConnection(account_name="Harbour Physio", booking_url=BOOKING_URL))
    db.session.commit()
    sign_in("admin")
    page.goto("/settings/integrations/")
    page.click("button:has-text('Create a Book Now page')")
    expect(page.locator(".flash-success")).to_contain_text("Your Book Now page is ready")
    editor_url = page.url
    page.click("button:has-text('Publish')")
    live = f"{live_server}/book-now"
    link = page.locator(".flash-success a")
    expect(link).to_have_text(live)
    expect(page.locator(".page-live a")).to_have_attribute("href", live)
    screenshot("website-published-link")
    with page.context.expect_page() as opened:
        link.click()
    public = opened.value
    public.wait_for_load_state()
    assert public.url == live
    expect(public.locator("h1")).to_have_text("Book an appointment")
    public.close()

    page.goto("/settings/integrations/")
    page.click("button:has-text('Create a Book Now page')")  # again: the same page, not /book-now-2
    page.wait_for_url(editor_url)
    expect(page.locator(".flash-info")).to_contain_text("You already have a Book Now page at /book-now")
    screenshot("website-book-now-reopened")
    assert db.session.query(Page).count() == 1


def test_the_editor_lists_embedded_sites_and_refuses_an_oversized_page(page, sign_in, screenshot):
    sign_in("staff")
    _new_page(page, "Find us")
    page.click("#palette .palette-item[data-type=embed]")
    expect(page.locator("#canvas > .block")).to_have_count(1)
    expect(page.locator("#embedded-hosts")).to_be_hidden()
    page.click("#selection-panel button:has-text('Edit')")
    page.fill("#block-code", '<iframe src="https://www.google.com/maps/embed?pb=1" allow="camera; geolocation" '
                             'referrerpolicy="unsafe-url"></iframe>')
    page.click("#block-form button:has-text('Apply')")
    expect(page.locator("#block-notes")).to_contain_text("Removed for safety: allow attribute, referrerpolicy attribute")
    expect(page.locator("#embedded-host-list li")).to_have_text(["www.google.com"])
    expect(page.locator("#canvas .block-hosts")).to_have_text("Shows content from www.google.com")
    screenshot("website-embedded-hosts")
    page.click("#save-page")
    expect(page.locator(".flash-success")).to_contain_text("Saved")
    expect(page.locator("#embedded-host-list li")).to_have_text(["www.google.com"])

    # A page over the limit is refused in the browser, before anything is sent or lost.
    page.click("#palette .palette-item[data-type=text]")
    expect(page.locator("#canvas > .block")).to_have_count(2)
    page.locator("#canvas > .block[data-type=text]").evaluate(
        "b => { b.dataset.block = JSON.stringify({type: 'text', text: 'x'.repeat(600 * 1024)}); }")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.click("#save-page")
    expect(page.locator("#page-size-error")).to_have_text(
        "This page is too large (601 KB); the limit is 512 KB. Remove some elements or shorten long texts, then Save.")
    screenshot("website-page-too-large")
    assert posts == [] and page.locator("#canvas > .block").count() == 2
