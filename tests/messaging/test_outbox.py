"""The outbox channel builds the exact email SMTP would send, and sends nothing."""
from __future__ import annotations

from email import message_from_bytes, policy

from oncord.messaging.channels.outbox import OutboxChannel
from oncord.messaging.drafts import EmailDraft, SmsDraft
from oncord.messaging.email_message import build_email_message
from oncord.messaging.settings import EffectiveSettings

SETTINGS = EffectiveSettings(from_name="Bondi Physio", from_address="hello@bondi.example", reply_to="desk@bondi.example")
DRAFT = EmailDraft(to="pat@mail.example", subject="Your appointment – tomorrow", text="See you at 9.",
                   html="<p>See you at <b>9</b>.</p>",
                   headers={"List-Unsubscribe": "<https://oncord.example/u/abc>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


def test_a_multipart_alternative_email_with_every_header(app):
    with app.app_context():
        parsed = message_from_bytes(build_email_message(DRAFT, SETTINGS).as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["From"] == "Bondi Physio <hello@bondi.example>"
    assert parsed["To"] == "pat@mail.example" and parsed["Reply-To"] == "desk@bondi.example"
    assert parsed["Subject"] == "Your appointment – tomorrow"
    assert parsed["Date"] and parsed["Message-ID"].endswith("@bondi.example>")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_body(("plain",)).get_content().strip() == "See you at 9."
    assert "<b>9</b>" in parsed.get_body(("html",)).get_content()


def test_text_only_drafts_stay_single_part(app):
    with app.app_context():
        message = build_email_message(EmailDraft(to="pat@mail.example", subject="Hi", text="Plain"), SETTINGS)
    assert message.get_content_type() == "text/plain"


def test_the_outbox_receipt_carries_the_headers_as_built(app):
    with app.app_context(), OutboxChannel(SETTINGS) as channel:
        receipt = channel.send(DRAFT)
        sms = channel.send(SmsDraft(to="+61412345678", body="Hi"))
    assert receipt.headers["Message-ID"] == receipt.provider_id
    assert receipt.headers["Content-Type"].startswith("multipart/alternative")
    assert "nothing was sent" in receipt.answer
    assert sms.provider_id.startswith("outbox-") and sms.headers is None
