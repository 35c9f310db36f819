"""Staff pages under their strict Content-Security-Policy (item 24): nothing is refused, everything works."""
from playwright.sync_api import expect

from oncord.extensions import db
from oncord.models import ClinikoConnection
from oncord.queues import get_queue
from oncord.timestamps import utcnow
from tests.factories import ContactFactory, PageFactory
from tests.website.cliniko_samples import CLINIKO_EMBED

# Added before any page script runs (DevTools injects it, so the policy does not apply to it).
RECORD_VIOLATIONS = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                     "(e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI || 'inline'} ${e.sourceFile}:${e.lineNumber}`));")


def test_main_staff_pages_run_with_no_policy_violations(page, sign_in, screenshot):
    db.session.add(ClinikoConnection(api_key="sk-test-0000000000", api_key_last4="0000", account_name="Harbour Physio",
                                     subdomain="harbour", shard="au1", connected_at=utcnow()))
    contact = ContactFactory(first_name="Steven", last_name="Allen")
    site_page = PageFactory(title="Book now", slug="book-now", blocks=[
        {"type": "heading", "text": "Book online", "level": 1},
        {"type": "embed", "code": CLINIKO_EMBED, "kind": "cliniko", "removed": []},
        {"type": "button", "label": "About us", "url": "/about", "style": "primary"}])
    db.session.commit()
    queue = get_queue()
    queue.enqueue("builtins.print", "a job for the dashboard to list")
    page.route("https://*.cliniko.com/**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                                      body="<h1>Cliniko bookings (stub)</h1>"))
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type in {"error", "warning"} else None)
    sign_in("admin")
    page.wait_for_url("**/dashboard")

    def visit(url):
        response = page.goto(url)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, url
        assert page.evaluate("window.__csp") == [], (url, page.evaluate("window.__csp"))
        return response

    for url in ("/dashboard", "/contacts/", f"/contacts/{contact.id}", f"/contacts/{contact.id}/edit", "/contacts/new",
                "/settings/users/", "/account", "/website/pages/"):
        visit(url)

    visit("/contacts/")  # HTMX search swaps the list in place
    page.fill("input[name=q]", "Steven")
    expect(page.locator("#contact-results")).to_contain_text("Steven Allen")

    visit(f"/website/pages/{site_page.id}/")  # the editor: insert, edit and apply round-trips
    page.click("#palette .palette-item[data-type=text]")
    expect(page.locator("#canvas > .block")).to_have_count(4)
    page.click("#selection-panel button:has-text('Edit')")
    page.fill("#block-text", "Parking behind the clinic.")
    page.click("#block-form button:has-text('Apply')")
    expect(page.locator("#canvas p.site-text")).to_have_text("Parking behind the clinic.")
    screenshot("staff-csp-editor")

    visit("/settings/integrations/")  # the disconnect confirmation still asks (no inline onsubmit)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("button:has-text('Disconnect')")
    assert asked and asked[0].startswith("Disconnect Cliniko?")
    expect(page.locator(".integration .pill")).to_have_text("Connected")  # dismissed: nothing happened

    visit("/jobs/")  # the RQ dashboard's own scripts run: its queue table is drawn by them
    expect(page.locator("tr[data-role=queue]").first).to_be_visible()
    screenshot("staff-csp-jobs")
    visit(f"/jobs/0/view/jobs/{queue.name}/queued/8/asc/1")
    expect(page.locator("tr[data-role=job]").first).to_be_visible()

    assert page.evaluate("window.__csp") == []
    assert not [text for text in console if "Content Security Policy" in text or "Refused" in text], console
