"""Marketing > Messages pages: the list, a message as rendered, checking uncertain sends, the outbox banner."""
from __future__ import annotations

import html as htmllib
import re

from oncord.messaging import ledger
from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import EmailDraft, SmsDraft
from oncord.models import ConsentStatus, Message, MessagingSettings
from tests.factories import ContactFactory

EVIL_HTML = ('<p>Hello Pat</p><img src="https://cdn.example/logo.png" alt="logo">'
             '<a href="https://clinic.example/book">Book</a><script>parent.document.title="pwned"</script>')


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def make_messages(db):
    pat = ContactFactory(first_name="Pat", last_name="Quinn", email="pat@mail.example", phone="+61412345678",
                         email_status=ConsentStatus.SUBSCRIBED.value, sms_status=ConsentStatus.PENDING.value)
    db.session.commit()
    email = deliver("campaign:1:contact:1", pat, EmailDraft(
        to=pat.email, subject="Spring check-ups", text="Hello Pat, time for a check-up.", html=EVIL_HTML,
        headers={"List-Unsubscribe": "<https://clinic.example/u/abc>"}),
        kind="marketing", source="campaign")
    sms = deliver("campaign:2:contact:1", pat, SmsDraft(to=pat.phone, body="Spring sale on massages"),
                  kind="marketing", source="campaign")
    return pat, email, sms


def test_the_list_needs_a_login(client, db):
    assert client.get("/marketing/messages/").status_code == 302


def test_the_list_shows_each_message_with_contact_status_and_reason(client, db, login_as, sender_identity):
    login_as()
    pat, email, sms = make_messages(db)
    page = html_of(client.get("/marketing/messages/"))
    assert 'href="/marketing/messages/"' in page and ">Messages</a>" in page  # the sidebar's Marketing section
    assert "Spring check-ups" in page and "Spring sale on massages" in page
    assert f'href="/contacts/{pat.id}"' in page and "pat@mail.example" in page
    assert sms.status == "skipped"
    assert "Has not agreed to marketing by SMS (Pending)." in page
    assert "Outbox (not sent)" in page and ">Sent<" in page

    only_sms = html_of(client.get("/marketing/messages/?channel=sms", headers={"HX-Request": "true"}))
    assert "Spring sale on massages" in only_sms and "Spring check-ups" not in only_sms
    assert "<html" not in only_sms  # the fragment


def test_a_bad_date_or_cursor_is_a_clear_400(client, db, login_as):
    login_as()
    response = client.get("/marketing/messages/?since=31/12/2026")
    assert response.status_code == 400 and "must be a date" in response.get_data(as_text=True)
    assert client.get("/marketing/messages/?before=abc").status_code == 400


def test_a_marketing_email_held_back_for_the_sender_identity_shows_why(client, db, login_as):
    login_as()
    pat = ContactFactory(first_name="Pat", last_name="Quinn", email="pat@mail.example",
                         email_status=ConsentStatus.SUBSCRIBED.value)
    db.session.commit()
    message = deliver("campaign:3:contact:1", pat, EmailDraft(to=pat.email, subject="Spring check-ups", text="Hi"),
                      kind="marketing", source="campaign")
    assert message.status == "skipped"
    reason = "Add the clinic&#39;s name and postal address under Settings &gt; Messaging before sending marketing email."
    assert reason in html_of(client.get("/marketing/messages/"))
    assert reason in html_of(client.get(f"/marketing/messages/{message.id}"))


def test_the_outbox_banner_names_the_channels_still_in_outbox_mode(client, db, login_as, app, monkeypatch):
    login_as()
    page = html_of(client.get("/marketing/messages/"))
    assert "Outbox mode:" in page and "nothing is sent until email and SMS settings are saved" in page

    db.session.add(MessagingSettings(smtp_host="mail.clinic.example"))
    db.session.commit()
    page = html_of(client.get("/marketing/messages/"))
    assert "Outbox mode for SMS:" in page and "email and SMS settings" not in page

    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", "AC123")
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setitem(app.config, "TWILIO_FROM", "+61400000000")
    assert "Outbox mode" not in html_of(client.get("/marketing/messages/"))


def test_an_email_shows_rendered_in_a_sandboxed_frame_with_text_headers_and_timeline(client, db, login_as, sender_identity):
    login_as()
    _, email, _ = make_messages(db)
    page = html_of(client.get(f"/marketing/messages/{email.id}"))
    frame = re.search(r"<iframe[^>]*>", page).group(0)
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in frame  # no allow-scripts, no same-origin
    assert "allow-scripts" not in frame and "allow-same-origin" not in frame
    srcdoc = htmllib.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert srcdoc == '<base target="_blank">' + EVIL_HTML  # exactly as sent, escaped into the attribute
    assert "<script>" not in page.replace(frame, "")  # the email's script only lives inside the frame's text
    assert "Hello Pat, time for a check-up." in page
    assert "From: Harbour Physio &lt;oncord@localhost&gt;" in page  # as the outbox recorded them
    assert "To: pat@mail.example" in page
    # a marketing email carries oncord's own one-click address, whatever the draft said
    assert "Subject: Spring check-ups" in page and "List-Unsubscribe: &lt;http://127.0.0.1:8000/unsubscribe/one-click/" in page
    assert "Message-ID: &lt;" in page
    assert re.search(r"<strong>Recorded</strong>.*<strong>Handed to the provider</strong>.*<strong>Sent</strong>",
                     page, re.S)


def test_an_sms_shows_its_body(client, db, login_as):
    login_as()
    pat = ContactFactory(phone="+61412345678", sms_status=ConsentStatus.SUBSCRIBED.value)
    db.session.commit()
    sms = deliver("reminder:1", pat, SmsDraft(to=pat.phone, body="See you Tuesday at 9"), kind="factual",
                  source="automation")
    page = html_of(client.get(f"/marketing/messages/{sms.id}"))
    assert "See you Tuesday at 9" in page and "<iframe" not in page


def test_a_missing_message_is_404(client, db, login_as):
    login_as()
    assert client.get("/marketing/messages/999").status_code == 404


def uncertain_message(db, pat=None):
    pat = pat or ContactFactory()
    db.session.commit()
    message = ledger.claim("automation:3:contact:9", SmsDraft(to="+61412345678", body="Reminder"), contact=pat,
                           kind="factual", source="automation")
    ledger.start_sending(message, via="twilio")
    ledger.mark_uncertain(message)
    return message


def test_uncertain_messages_are_listed_to_check_and_marking_keeps_them(client, db, login_as, csrf_token):
    user = login_as()
    message = uncertain_message(db)
    page = html_of(client.get("/marketing/messages/"))
    assert "Needs checking" in page and "never send them again" in page and "Mark checked" in page

    assert client.post(f"/marketing/messages/{message.id}/checked").status_code == 400  # no CSRF token
    response = client.post(f"/marketing/messages/{message.id}/checked",
                           data={"csrf_token": csrf_token("/marketing/messages/"), "next": "/marketing/messages/"})
    assert response.status_code == 302 and response.headers["Location"] == "/marketing/messages/"
    db.session.expire_all()
    kept = db.session.get(Message, message.id)
    assert (kept.status, kept.checked_by_user_id) == ("uncertain", user.id)
    assert "Needs checking" not in html_of(client.get("/marketing/messages/"))
    shown = html_of(client.get(f"/marketing/messages/{message.id}"))
    assert f"by {user.name}" in shown and "Checked by staff" in shown


def test_every_marketing_page_says_marketing_email_waits_for_the_sender_identity(client, db, login_as):
    login_as()
    held = "Marketing email is held back:</strong> it is skipped until the clinic name and postal address are filled in"
    for path in ("/marketing/messages/", "/marketing/templates/", "/marketing/templates/new?channel=email"):
        page = " ".join(html_of(client.get(path)).split())
        assert held in page and "Settings &gt; Messaging (ask an administrator)" in page, path
    settings = MessagingSettings(clinic_name="Harbour Physio")
    db.session.add(settings)
    db.session.commit()
    assert "skipped until the postal address is filled in" in " ".join(html_of(client.get("/marketing/messages/")).split())
    settings.postal_address = "1 Wharf St, Sydney NSW 2000"
    db.session.commit()
    assert "held back" not in html_of(client.get("/marketing/messages/"))


def test_admins_get_a_link_to_the_sender_identity(client, db, login_as):
    login_as("admin")
    assert '<a href="/settings/messaging/">Settings &gt; Messaging</a>' in html_of(client.get("/marketing/messages/"))
