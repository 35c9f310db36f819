"""The Twilio channel against `responses`: the exact request the SDK makes, and what each answer means."""
from __future__ import annotations

import base64

import pytest
import requests
import responses
from responses import matchers
from sqlalchemy import select
from urllib3.exceptions import MaxRetryError, NewConnectionError

from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import SmsDraft
from oncord.models import ConsentChange, ConsentStatus, OutboxEdit

SID, TOKEN = "AC" + "1" * 32, "test-auth-token-not-real"
API = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
CALLBACK = "http://127.0.0.1:8000/webhooks/twilio/status"  # PUBLIC_URL's default in tests


@pytest.fixture
def twilio(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "TWILIO_FROM", "+61400000000")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "http://127.0.0.1:8000")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


BODY = "Hi Pat\nReply STOP to opt out"  # a marketing SMS: deliver() adds the opt-out wording


def created(sid="SM" + "a" * 32, status="queued"):
    return {"sid": sid, "status": status, "account_sid": SID, "to": "+61412345678", "from": "+61400000000",
            "body": BODY, "error_code": None, "error_message": None, "num_segments": "1"}


def exact_request(sender: dict):
    basic = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    return [matchers.urlencoded_params_matcher({"To": "+61412345678", "Body": BODY, "StatusCallback": CALLBACK}
                                               | sender),
            matchers.header_matcher({"Authorization": f"Basic {basic}", "Accept": "application/json",
                                     "Content-Type": "application/x-www-form-urlencoded"})]


def send(contact, key="campaign:1:contact:1"):
    return deliver(key, contact, SmsDraft(to=contact.phone, body="Hi Pat"), kind="marketing", source="campaign")


def test_a_message_goes_as_the_sdk_sends_it_and_keeps_twilios_sid(db, twilio, subscribed):
    twilio.post(API, json=created(), status=201, match=exact_request({"From": "+61400000000"}))
    message = send(subscribed)
    assert (message.status, message.via, message.provider_id) == ("sent", "twilio", "SM" + "a" * 32)
    assert "queued" in message.provider_answer


def test_a_messaging_service_sid_goes_as_messaging_service_sid(app, db, twilio, subscribed, monkeypatch):
    service = "MG" + "2" * 32
    monkeypatch.setitem(app.config, "TWILIO_FROM", service)
    twilio.post(API, json=created(), status=201, match=exact_request({"MessagingServiceSid": service}))
    assert send(subscribed).status == "sent"


@pytest.mark.parametrize("code, words", [
    (21211, "not a valid mobile number"), (21408, "not allowed to send SMS to this country"),
    (21614, "not a mobile number"), (21612, "cannot send SMS from the clinic's number"),
])
def test_twilios_refusals_fail_the_message_for_good(db, twilio, subscribed, code, words):
    twilio.post(API, status=400, json={"code": code, "message": "Twilio's words", "status": 400,
                                       "more_info": f"https://www.twilio.com/docs/errors/{code}"})
    message = send(subscribed)
    assert (message.status, message.provider_error_code) == ("failed", str(code))
    assert words in message.reason
    assert subscribed.sms_status == ConsentStatus.SUBSCRIBED.value  # only 21610 says the patient said no


def test_an_unknown_refusal_keeps_twilios_message(db, twilio, subscribed):
    twilio.post(API, status=400, json={"code": 21999, "message": "Something new", "status": 400})
    message = send(subscribed)
    assert (message.status, message.provider_error_code) == ("failed", "21999")
    assert "Something new" in message.reason


def test_21610_unsubscribes_the_number_and_queues_the_flag_for_cliniko(db, twilio):
    from tests.factories import ContactFactory

    contact = ContactFactory(linked=True, phone="+61412345678", sms_status=ConsentStatus.SUBSCRIBED.value)
    db.session.commit()
    twilio.post(API, status=400, json={"code": 21610, "message": "Attempt to send to unsubscribed recipient",
                                       "status": 400})
    message = send(contact)
    db.session.expire_all()
    assert (message.status, message.provider_error_code) == ("failed", "21610")
    assert contact.sms_status == ConsentStatus.UNSUBSCRIBED.value
    change = db.session.scalar(select(ConsentChange).where(ConsentChange.contact_id == contact.id,
                                                           ConsentChange.new_status == "unsubscribed"))
    assert (change.source, change.evidence) == ("provider", {"twilio_error": 21610})
    edit = db.session.scalar(select(OutboxEdit).where(OutboxEdit.contact_id == contact.id))
    assert (edit.field, edit.value["v"]) == ("sms_status", "unsubscribed")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_busy_or_down_leaves_the_message_queued_to_retry(db, twilio, subscribed, status):
    twilio.post(API, status=status, json={"code": 20429 if status == 429 else None, "message": "busy",
                                          "status": status})
    message = send(subscribed)
    assert message.status == "queued" and message.reason.startswith("Will try again")


def test_no_connection_at_all_leaves_the_message_queued(db, twilio, subscribed):
    refused = NewConnectionError(None, "Connection refused")
    twilio.post(API, body=requests.exceptions.ConnectionError(MaxRetryError(None, API, refused)))
    message = send(subscribed)
    assert message.status == "queued"


def test_a_timeout_after_sending_is_uncertain_and_never_resent(db, twilio, subscribed):
    twilio.post(API, body=requests.exceptions.ReadTimeout("read timed out"))
    message = send(subscribed)
    assert message.status == "uncertain"
    assert send(subscribed) is None  # the same key: never again
    assert len(twilio.calls) == 1


def test_the_auth_token_is_never_logged(db, twilio, subscribed, caplog):
    caplog.set_level("DEBUG")
    twilio.post(API, json=created(), status=201)
    send(subscribed)
    assert TOKEN not in caplog.text and base64.b64encode(f"{SID}:{TOKEN}".encode()).decode() not in caplog.text
