"""Marketing > Messages in a real browser: the list, the needs-checking panel, an email opened as sent."""
from __future__ import annotations

import base64
import struct
import zlib

from playwright.sync_api import expect

from oncord.messaging import ledger
from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import EmailDraft, SmsDraft
from oncord.models import ConsentStatus
from tests.factories import ContactFactory


def _png(width=40, height=12, rgb=(37, 99, 235)) -> str:
    """A small solid PNG as a data: URL, so the test needs no network."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data  # noqa: E731
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode()


def seed(db, live_server):
    ana = ContactFactory(first_name="Ana", last_name="Smith", email="ana@mail.example", phone="+61412345678",
                         email_status=ConsentStatus.SUBSCRIBED.value, sms_status=ConsentStatus.SUBSCRIBED.value)
    ben = ContactFactory(first_name="Ben", last_name="Ng", email="ben@mail.example",
                         email_status=ConsentStatus.UNSUBSCRIBED.value)
    db.session.commit()
    html = (f'<div style="font-family:sans-serif;padding:16px"><img id="logo" src="{_png()}" alt="Harbour Physio">'
            '<h1 style="color:#2563eb">Spring check-ups</h1><p id="marker">Hello Ana, it has been a while.</p>'
            f'<p><a id="book" href="{live_server}/dashboard">Book online</a></p>'
            '<script>document.getElementById("marker").textContent="SCRIPT RAN"; parent.document.title="pwned"</script>'
            '</div>')
    email = deliver("campaign:1:contact:1", ana, EmailDraft(
        to=ana.email, subject="Spring check-ups", text="Hello Ana, it has been a while.", html=html),
        kind="marketing", source="campaign")
    deliver("campaign:1:contact:2", ben, EmailDraft(to=ben.email, subject="Spring check-ups", text="Hi", html="<p>Hi</p>"),
            kind="marketing", source="campaign")
    stuck = ledger.claim("automation:4:contact:1", SmsDraft(to=ana.phone, body="Reminder: Tuesday 9:00 with Dr Tran"),
                         contact=ana, kind="factual", source="automation")
    ledger.start_sending(stuck, via="twilio")
    ledger.mark_uncertain(stuck)
    return ana, email


def test_messages_list_and_an_email_opened(page, db, live_server, screenshot, sign_in, sender_identity):
    ana, email = seed(db, live_server)
    sign_in()
    page.goto("/marketing/messages/")
    expect(page.locator(".outbox-banner")).to_contain_text("Outbox mode")
    expect(page.locator(".needs-checking")).to_contain_text("Reminder: Tuesday 9:00")
    rows = page.locator(".messages-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator(".messages-table")).to_contain_text("Unsubscribed from email.")
    screenshot("messages-list")

    page.select_option("select[name=status]", "skipped")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(f"{live_server}/marketing/messages/?status=skipped")

    page.goto(f"/marketing/messages/{email.id}")
    frame = page.frame_locator("iframe.email-frame")
    expect(frame.locator("h1")).to_have_text("Spring check-ups")
    expect(frame.locator("#marker")).to_have_text("Hello Ana, it has been a while.")  # its script never ran
    assert page.title() != "pwned"
    assert frame.locator("#logo").evaluate("img => img.naturalWidth") == 40  # images load
    with page.expect_popup() as popup:  # links open outside the sandbox, in a new tab
        frame.locator("#book").click()
    expect(popup.value).to_have_url(f"{live_server}/dashboard")
    popup.value.close()
    expect(page.locator(".message-headers")).to_contain_text("Subject: Spring check-ups")
    expect(page.locator(".timeline")).to_contain_text("Sent")
    screenshot("messages-email")

    page.goto("/marketing/messages/")
    page.click(".needs-checking button:has-text('Mark checked')")
    expect(page.locator(".flash-success")).to_contain_text("Marked as checked")
    expect(page.locator(".needs-checking")).to_have_count(0)
    page.goto(f"/contacts/{ana.id}")
    expect(page.locator(".feed-message")).to_have_count(2)
    screenshot("messages-contact-feed")
