"""Unsubscribe tokens, the List-Unsubscribe headers every marketing email gets, and consent.unsubscribe."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from itsdangerous import URLSafeSerializer

from oncord.messaging import consent, ledger, unsubscribe
from oncord.messaging.deliver import deliver, send_queued
from oncord.messaging.drafts import EmailDraft, SmsDraft
from oncord.models import ConsentChange, ConsentStatus, OutboxEdit
from oncord.timestamps import utcnow
from tests.factories import ContactFactory


def draft(to="pat@mail.example"):
    return EmailDraft(to=to, subject="Winter check-ups", text="Hello Pat", html="<p>Hello Pat</p>")


def token_path(url: str, app) -> str:
    assert url.startswith(app.config["PUBLIC_URL"] + "/unsubscribe/")
    return url.removeprefix(app.config["PUBLIC_URL"])


def test_a_token_says_whose_which_channel_and_which_message(db, subscribed):
    token = unsubscribe.make_token(subscribed, "email", "campaign:3:contact:9")
    assert unsubscribe.read_token(token) == unsubscribe.Unsubscribe(subscribed.id, "email", "campaign:3:contact:9")


def test_a_token_keeps_working_years_later(db, subscribed):
    token = unsubscribe.make_token(subscribed, "sms")
    with time_machine.travel(utcnow() + timedelta(days=3 * 365)):
        assert unsubscribe.read_token(token).channel == "sms"


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
    lambda t: "x" + t,
    lambda t: "",
    lambda t: "not-a-token",
])
def test_a_tampered_token_is_refused(db, subscribed, tamper):
    with pytest.raises(unsubscribe.BadToken):
        unsubscribe.read_token(tamper(unsubscribe.make_token(subscribed, "email", "k")))


def test_a_token_signed_with_another_key_or_salt_is_refused(app, db, subscribed):
    for serializer in (URLSafeSerializer("another-secret", salt="unsubscribe"),
                       URLSafeSerializer(app.secret_key, salt="cookie-session")):
        with pytest.raises(unsubscribe.BadToken):
            unsubscribe.read_token(serializer.dumps([subscribed.id, "email", None]))


def test_a_well_signed_token_with_nonsense_inside_is_refused(db, subscribed):
    """Signed by us but not made by make_token (say, an old format): refused, not a 500."""
    for payload in ({"c": 1}, ["1", "email", None], [1, "fax", None], [True, "email", None], [1, "email", 5]):
        with pytest.raises(unsubscribe.BadToken):
            unsubscribe.read_token(unsubscribe._serializer().dumps(payload))


def test_a_marketing_email_from_deliver_carries_both_headers(app, db, subscribed, sender_identity):
    message = deliver("campaign:1:contact:1", subscribed, draft(), kind="marketing", source="campaign")
    assert message.status == "sent" and message.via == "outbox"
    headers = message.headers  # exactly as built for sending
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://") or url.startswith(app.config["PUBLIC_URL"])
    token = url.rsplit("/", 1)[1]
    assert "/unsubscribe/one-click/" in url
    assert unsubscribe.read_token(token) == unsubscribe.Unsubscribe(subscribed.id, "email", "campaign:1:contact:1")


def test_a_factual_email_and_an_sms_get_no_unsubscribe_headers(db, subscribed):
    factual = deliver("reminder:1", subscribed, draft(), kind="factual", source="automation")
    sms = deliver("sms:1", subscribed, SmsDraft(to=subscribed.phone, body="Hi"), kind="marketing", source="campaign")
    assert "List-Unsubscribe" not in factual.headers
    assert sms.status == "sent" and "List-Unsubscribe" not in (sms.headers or {})


def test_a_marketing_row_queued_without_deliver_still_gets_them_when_sent(db, subscribed, sender_identity):
    """No path past `send_claimed` lets a marketing email out without its unsubscribe headers."""
    message = ledger.claim("campaign:2:contact:1", draft(), contact=subscribed, kind="marketing", source="campaign")
    assert "List-Unsubscribe" not in message.headers
    send_queued(message.id)
    assert message.status == "sent"
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/one-click/" in message.headers["List-Unsubscribe"]


def test_the_footer_link_opens_the_confirm_page(app, client, subscribed):
    url = unsubscribe.unsubscribe_url(subscribed, "campaign:1:contact:1")
    page = client.get(token_path(url, app))
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)


def test_unsubscribe_writes_the_ledger_and_queues_the_cliniko_push(db):
    contact = ContactFactory(linked=True, email_status=ConsentStatus.SUBSCRIBED.value)
    db.session.commit()
    change = consent.unsubscribe(contact, "email", source="one_click", evidence={"ip_address": "203.0.113.9"})
    db.session.commit()
    assert contact.email_status == "unsubscribed"
    assert (change.old_status, change.new_status, change.source) == ("subscribed", "unsubscribed", "one_click")
    assert change.evidence == {"ip_address": "203.0.113.9"} and change.cliniko_told_at is None
    edit = db.session.query(OutboxEdit).one()
    assert (edit.field, edit.value["v"], edit.patient_id) == ("email_status", "unsubscribed", contact.cliniko_patient_id)


def test_unsubscribing_twice_writes_one_row_and_an_unlinked_contact_queues_nothing(db):
    contact = ContactFactory(sms_status=ConsentStatus.SUBSCRIBED.value)
    db.session.commit()
    assert consent.unsubscribe(contact, "sms", source="unsubscribe_page") is not None
    assert consent.unsubscribe(contact, "sms", source="unsubscribe_page") is None
    db.session.commit()
    assert db.session.query(ConsentChange).count() == 1
    assert db.session.query(OutboxEdit).count() == 0


def test_the_send_ledger_records_the_headers_before_the_provider_answers(db, recording, subscribed, sender_identity):
    """A provider that reports no headers back still leaves them on record, as claimed."""
    message = deliver("campaign:5:contact:1", subscribed, draft(), kind="marketing", source="campaign")
    assert message.via == "recording" and message.status == "sent"
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.headers["List-Unsubscribe"] == "<" + unsubscribe.one_click_url(subscribed, "campaign:5:contact:1") + ">"


def test_a_marketing_sms_from_deliver_ends_with_the_opt_out_wording(db, recording, subscribed):
    """As List-Unsubscribe for email: whoever made the text, a marketing SMS tells how to say no."""
    from tests.messaging.recording_channel import calls

    message = deliver("campaign:6:contact:1", subscribed, SmsDraft(to="+61412345678", body="Winter sale on massages"),
                      kind="marketing", source="campaign")
    assert message.status == "sent" and message.body_text == "Winter sale on massages\nReply STOP to opt out"
    assert len(calls(recording)) == 1


def test_the_opt_out_wording_is_the_settings_and_never_doubled(db, subscribed):
    from oncord.messaging.settings import get_or_create_settings

    get_or_create_settings().sms_opt_out_wording = "Text STOP to opt out"
    db.session.commit()
    sms = SmsDraft(to="+61412345678", body="Winter sale on massages")
    marked = unsubscribe.with_unsubscribe_headers(sms, subscribed, "marketing", "campaign:6:contact:1")
    assert marked.body == "Winter sale on massages\nText STOP to opt out"
    assert unsubscribe.with_unsubscribe_headers(marked, subscribed, "marketing", "k").body == marked.body
    assert unsubscribe.with_unsubscribe_headers(sms, subscribed, "factual", "k") == sms  # a reminder stays as written
    assert unsubscribe.with_unsubscribe_headers(sms, subscribed, "test", "k") == sms
