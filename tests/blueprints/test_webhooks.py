"""Twilio's webhooks: signed by Twilio or refused with nothing changed; statuses only move forward;
STOP and START as Twilio reads them; replies about cancelling shown to staff."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from oncord.models import ActivityEvent, ConsentChange, ConsentStatus, InboundSms, Message, OutboxEdit
from tests.factories import ContactFactory

TOKEN = "test-auth-token-not-real"
PUBLIC = "https://crm.clinic.example"
STATUS_URL, SMS_URL = "/webhooks/twilio/status", "/webhooks/twilio/sms"


@pytest.fixture
def twilio_settings(app, db, make_user, monkeypatch):
    make_user()  # past first-run setup
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "TWILIO_FROM", "+61400000000")
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)


def post(client, path, form, *, signature=None, token=TOKEN):
    """POST as Twilio does: the signature covers the public URL (not the test client's host) and the form."""
    if signature is None:
        signature = RequestValidator(token).compute_signature(PUBLIC + path, form)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(path, data=form, headers=headers)


def sent_message(db, sid="SM" + "b" * 32, status="sent"):
    message = Message(key=f"test:{sid}", channel="sms", kind="marketing", address="+61412345678", body_text="Hi",
                      source="campaign", status=status, via="twilio", provider_id=sid, headers={})
    db.session.add(message)
    db.session.commit()
    return message


def status_form(sid="SM" + "b" * 32, status="delivered", code=None):
    form = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
            "AccountSid": "AC" + "1" * 32, "To": "+61412345678", "From": "+61400000000", "ApiVersion": "2010-04-01"}
    return form | ({"ErrorCode": code} if code else {})


def inbound_form(body, number="+61412345678", sid="SM" + "c" * 32):
    return {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": number,
            "To": "+61400000000", "Body": body, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}


# --- status callbacks ---------------------------------------------------------------------------

def test_delivered_marks_the_message_delivered(db, client, twilio_settings):
    message = sent_message(db)
    response = post(client, STATUS_URL, status_form(status="delivered"))
    assert response.status_code == 204
    db.session.refresh(message)
    assert message.status == "delivered" and message.delivered_at is not None


@pytest.mark.parametrize("twilio_status, code, words", [
    ("undelivered", "30003", "could not be reached"), ("undelivered", "30005", "unknown or no longer in use"),
    ("undelivered", "30006", "landline"), ("failed", "30007", "filtered the message as spam"),
    ("undelivered", "30008", "gave no reason"), ("failed", "39999", "Twilio error 39999"),
])
def test_undelivered_and_failed_keep_twilios_code_and_say_why(db, client, twilio_settings, twilio_status, code, words):
    message = sent_message(db)
    assert post(client, STATUS_URL, status_form(status=twilio_status, code=code)).status_code == 204
    db.session.refresh(message)
    assert (message.status, message.provider_error_code) == ("failed", code)
    assert words in message.reason


def test_a_late_sent_never_moves_a_delivered_message_back(db, client, twilio_settings):
    message = sent_message(db)
    for status in ("delivered", "sent", "queued", "undelivered"):
        post(client, STATUS_URL, status_form(status=status, code="30003" if status == "undelivered" else None))
    db.session.refresh(message)
    assert message.status == "delivered" and message.reason is None


def test_an_unknown_sid_is_answered_and_ignored(db, client, twilio_settings):
    message = sent_message(db)
    assert post(client, STATUS_URL, status_form(sid="SM" + "9" * 32)).status_code == 204
    db.session.refresh(message)
    assert message.status == "sent"


@pytest.mark.parametrize("signature", ["", "bm90IHR3aWxpbw==", "wrong-token", "other-url"])
def test_a_status_callback_without_twilios_signature_is_refused_and_changes_nothing(db, client, twilio_settings,
                                                                                   signature):
    message = sent_message(db)
    form = status_form(status="delivered")
    if signature == "wrong-token":
        signature = RequestValidator("another-token").compute_signature(PUBLIC + STATUS_URL, form)
    elif signature == "other-url":  # signed for the host the request reached, not the public URL
        signature = RequestValidator(TOKEN).compute_signature("http://localhost" + STATUS_URL, form)
    response = post(client, STATUS_URL, form, signature=signature or False)
    assert response.status_code == 403
    db.session.refresh(message)
    assert message.status == "sent" and message.delivered_at is None


def test_a_tampered_form_is_refused(db, client, twilio_settings):
    message = sent_message(db)
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + STATUS_URL, status_form(status="sent"))
    assert client.post(STATUS_URL, data=status_form(status="failed", code="30003"),
                       headers={"X-Twilio-Signature": signature}).status_code == 403
    db.session.refresh(message)
    assert message.status == "sent"


def test_without_an_auth_token_nothing_can_be_verified_so_all_is_refused(app, db, client, twilio_settings,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", None)
    sent_message(db)
    assert post(client, STATUS_URL, status_form()).status_code == 403


# --- inbound SMS: keywords --------------------------------------------------------------------

@pytest.mark.parametrize("body", ["STOP", "stop", "  Stop \n", "STOPALL", "unsubscribe", "Cancel", "END", "quit",
                                  "OPTOUT", "revoke"])
def test_each_opt_out_keyword_unsubscribes_sms_only(db, client, twilio_settings, body):
    contact = ContactFactory(phone="+61412345678", email_status="subscribed", sms_status="subscribed")
    db.session.commit()
    response = post(client, SMS_URL, inbound_form(body))
    assert response.status_code == 200
    assert response.content_type.startswith("text/xml") and response.get_data(as_text=True).endswith("<Response/>")
    db.session.refresh(contact)
    assert (contact.sms_status, contact.email_status) == ("unsubscribed", "subscribed")
    change = db.session.scalar(select(ConsentChange).where(ConsentChange.contact_id == contact.id))
    assert (change.channel, change.source, change.old_status) == ("sms", "sms_keyword", "subscribed")
    assert change.evidence == {"inbound_sid": "SM" + "c" * 32, "body": body}


@pytest.mark.parametrize("body", ["stop please", "STOP.", "please cancel", "Stop texting me", "STOP STOP", "S T O P"])
def test_a_message_that_is_not_exactly_a_keyword_changes_no_status(db, client, twilio_settings, body):
    """Twilio blocks only a message that is the keyword alone; oncord follows it exactly."""
    contact = ContactFactory(phone="+61412345678", sms_status="subscribed")
    db.session.commit()
    assert post(client, SMS_URL, inbound_form(body)).status_code == 200
    db.session.refresh(contact)
    assert contact.sms_status == "subscribed"
    assert db.session.scalar(select(func.count(ConsentChange.id))) == 0


@pytest.mark.parametrize("body", ["START", "unstop", " yes "])
def test_an_opt_in_keyword_after_stop_subscribes_sms_again_only(db, client, twilio_settings, body):
    contact = ContactFactory(phone="+61412345678", email_status="unsubscribed", sms_status="subscribed")
    db.session.commit()
    post(client, SMS_URL, inbound_form("STOP", sid="SM" + "1" * 32))
    post(client, SMS_URL, inbound_form(body, sid="SM" + "2" * 32))
    db.session.refresh(contact)
    assert (contact.sms_status, contact.email_status) == ("subscribed", "unsubscribed")
    sources = db.session.execute(select(ConsentChange.new_status, ConsentChange.source)
                                 .order_by(ConsentChange.id)).all()
    assert sources == [("unsubscribed", "sms_keyword"), ("subscribed", "sms_keyword")]


def test_yes_to_a_reminder_subscribes_no_one_to_marketing(db, client, twilio_settings):
    contact = ContactFactory(phone="+61412345678", sms_status="pending")
    db.session.commit()
    post(client, SMS_URL, inbound_form("Yes"))
    db.session.refresh(contact)
    assert contact.sms_status == "pending"


def test_every_contact_sharing_the_number_is_unsubscribed(db, client, twilio_settings):
    parent = ContactFactory(phone="+61412345678", sms_status="subscribed")
    child = ContactFactory(phone="+61412345678", sms_status="subscribed")
    other = ContactFactory(phone="+61499999999", sms_status="subscribed")
    db.session.commit()
    post(client, SMS_URL, inbound_form("STOP"))
    assert [db.session.get(type(c), c.id).sms_status for c in (parent, child, other)] == [
        "unsubscribed", "unsubscribed", "subscribed"]


def test_a_stop_from_a_linked_contact_queues_the_flag_for_cliniko(db, client, twilio_settings):
    contact = ContactFactory(linked=True, phone="+61412345678", sms_status="subscribed")
    db.session.commit()
    post(client, SMS_URL, inbound_form("STOP"))
    edit = db.session.scalar(select(OutboxEdit).where(OutboxEdit.contact_id == contact.id))
    assert (edit.field, edit.value) == ("sms_status", {"v": "unsubscribed", "was": "subscribed"})


def test_an_unknown_number_is_recorded_and_answered(db, client, twilio_settings):
    ContactFactory(phone="+61412345678", sms_status="subscribed")
    db.session.commit()
    response = post(client, SMS_URL, inbound_form("STOP", number="+61455555555"))
    assert response.status_code == 200
    reply = db.session.scalar(select(InboundSms))
    assert (reply.contact_id, reply.from_number, reply.keyword) == (None, "+61455555555", "opt_out")
    assert db.session.scalar(select(func.count(ConsentChange.id))) == 0


def test_twilio_retrying_the_same_sms_is_handled_once(db, client, twilio_settings):
    contact = ContactFactory(phone="+61412345678", sms_status="subscribed")
    db.session.commit()
    post(client, SMS_URL, inbound_form("I need to cancel"))
    post(client, SMS_URL, inbound_form("I need to cancel"))
    assert db.session.scalar(select(func.count(InboundSms.id))) == 1
    assert db.session.scalar(select(func.count(ActivityEvent.id)).where(ActivityEvent.contact_id == contact.id)) == 1


@pytest.mark.parametrize("signature", ["", "bm90IHR3aWxpbw==", "wrong-token"])
def test_an_inbound_sms_without_twilios_signature_is_refused_and_changes_nothing(db, client, twilio_settings,
                                                                                signature):
    contact = ContactFactory(phone="+61412345678", sms_status="subscribed")
    db.session.commit()
    form = inbound_form("STOP")
    if signature == "wrong-token":
        signature = RequestValidator("another-token").compute_signature(PUBLIC + SMS_URL, form)
    assert post(client, SMS_URL, form, signature=signature or False).status_code == 403
    db.session.refresh(contact)
    assert contact.sms_status == "subscribed"
    for model in (InboundSms, ConsentChange, ActivityEvent, OutboxEdit):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_a_signed_request_missing_the_sender_is_a_clear_400(db, client, twilio_settings):
    form = {"MessageSid": "SM" + "c" * 32, "Body": "STOP"}
    assert post(client, SMS_URL, form).status_code == 400


# --- inbound SMS: the activity feed and "may want to cancel" ------------------------------------

def test_every_inbound_sms_shows_in_the_contacts_activity(db, client, twilio_settings, login_as):
    contact = ContactFactory(phone="+61412345678")
    db.session.commit()
    post(client, SMS_URL, inbound_form("Running 10 minutes late, sorry!"))
    login_as()
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "SMS received" in page and "Running 10 minutes late, sorry!" in page
    assert "May want to cancel" not in page


@pytest.mark.parametrize("body", ["CANCEL", "Can I reschedule to Friday?", "I have to cancel tomorrow",
                                  "cancelling my appt sorry"])
def test_a_reply_about_cancelling_shows_on_the_contact_page_and_the_dashboard(db, client, twilio_settings, login_as,
                                                                             body):
    contact = ContactFactory(phone="+61412345678", first_name="Mia", last_name="Chen")
    db.session.commit()
    post(client, SMS_URL, inbound_form(body))
    login_as()
    contact_page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    for page in (contact_page, dashboard):
        assert "May want to cancel an appointment" in page and body in page
    assert f'href="/contacts/{contact.id}">Mia Chen</a>' in dashboard


def test_done_dismisses_the_notice_on_both_pages(db, client, twilio_settings, login_as, csrf_token):
    contact = ContactFactory(phone="+61412345678")
    db.session.commit()
    post(client, SMS_URL, inbound_form("CANCEL"))
    reply = db.session.scalar(select(InboundSms))
    user = login_as()
    response = client.post(f"/dashboard/cancel-requests/{reply.id}/done",
                           data={"csrf_token": csrf_token("/dashboard"), "contact_id": contact.id},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and "May want to cancel" not in response.get_data(as_text=True)
    db.session.refresh(reply)
    assert reply.done_at is not None and reply.done_by_id == user.id
    assert "May want to cancel" not in client.get("/dashboard").get_data(as_text=True)
    assert "May want to cancel" not in client.get(f"/contacts/{contact.id}").get_data(as_text=True)


def test_done_needs_csrf_and_a_signed_in_user(db, client, twilio_settings, login_as):
    ContactFactory(phone="+61412345678")
    db.session.commit()
    post(client, SMS_URL, inbound_form("CANCEL"))
    reply = db.session.scalar(select(InboundSms))
    assert client.post(f"/dashboard/cancel-requests/{reply.id}/done").status_code in (302, 400, 401)
    login_as()
    assert client.post(f"/dashboard/cancel-requests/{reply.id}/done").status_code == 400
    db.session.refresh(reply)
    assert reply.done_at is None


def test_done_on_an_unknown_notice_is_404(db, client, login_as, csrf_token):
    login_as()
    assert client.post("/dashboard/cancel-requests/999999/done",
                       data={"csrf_token": csrf_token("/dashboard")}).status_code == 404


def test_the_contacts_consent_history_shows_the_sms_reply_as_evidence(db, client, twilio_settings, login_as):
    contact = ContactFactory(phone="+61412345678", sms_status="subscribed")
    db.session.commit()
    post(client, SMS_URL, inbound_form(" Stop "))
    login_as()
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Text message reply" in page and "replied “Stop”" in page and "SM" + "c" * 32 in page


def test_twilio_is_never_sent_to_first_run_setup(app, db, client, monkeypatch):
    """Before any staff account exists the webhooks still answer Twilio (and still check signatures)."""
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)
    assert post(client, SMS_URL, inbound_form("hello")).status_code == 200
    assert post(client, STATUS_URL, status_form(), signature="bm90IHR3aWxpbw==").status_code == 403
