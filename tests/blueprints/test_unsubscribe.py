"""Public unsubscribe pages: GET asks, only the page's POST or RFC 8058's one-click POST acts,
and Cliniko is told in the next push."""
from __future__ import annotations

import pytest

from oncord.messaging import unsubscribe
from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import EmailDraft
from oncord.models import ConsentChange, ConsentStatus, Contact, MessagingSettings, OutboxEdit
from oncord.sync import pull
from tests.factories import ContactFactory
from tests.pages import CSRF_PATTERN

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
MAIL_CLIENT = {"User-Agent": "ExampleMail/1.0 one-click"}


@pytest.fixture
def patient_contact(db):
    contact = ContactFactory(email="pat@mail.example", email_status=ConsentStatus.SUBSCRIBED.value,
                             sms_status=ConsentStatus.SUBSCRIBED.value)
    db.session.add(MessagingSettings(clinic_name="Bondi Physio", postal_address="1 Beach Rd, Bondi NSW 2026"))
    db.session.commit()
    return contact


@pytest.fixture
def synced(db, sandbox, connected):
    """A Cliniko patient who accepts email marketing, pulled into oncord (as in tests/sync/test_push.py)."""
    sandbox.reset(patients=0, appointments=0, seed=1)
    patient = sandbox.world.create_patient(first_name="Mia", last_name="Chen", email="mia@example.com",
                                           accepted_email_marketing=True)
    pull.run(connected.id)
    contact = db.session.query(Contact).filter_by(cliniko_patient_id=int(patient["id"])).one()
    assert contact.email_status == ConsentStatus.SUBSCRIBED.value
    sandbox.requests.reset()
    return contact, patient["id"]


def confirm_path(contact, channel="email", key="campaign:1:contact:1"):
    return f"/unsubscribe/{unsubscribe.make_token(contact, channel, key)}"


def one_click_path(contact, channel="email", key="campaign:1:contact:1"):
    return f"/unsubscribe/one-click/{unsubscribe.make_token(contact, channel, key)}"


def page_token(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the confirm page"
    return match.group(1)


def ledger(db) -> list[ConsentChange]:
    db.session.expire_all()
    return db.session.query(ConsentChange).order_by(ConsentChange.id).all()


def test_get_asks_and_changes_nothing(client, db, patient_contact):
    """Mail scanners follow links: a GET (on either address) must never unsubscribe anyone."""
    page = client.get(confirm_path(patient_contact))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Stop marketing emails from Bondi Physio?" in html
    assert page.headers["X-Frame-Options"] == "DENY"
    scanner = client.get(one_click_path(patient_contact))
    assert scanner.status_code == 302 and scanner.headers["Location"] == confirm_path(patient_contact)
    sms = client.get(confirm_path(patient_contact, "sms")).get_data(as_text=True)
    assert "Stop marketing text messages from Bondi Physio?" in sms
    db.session.expire_all()
    assert (patient_contact.email_status, patient_contact.sms_status) == ("subscribed", "subscribed")
    assert ledger(db) == []


def test_the_confirm_page_post_unsubscribes_with_evidence(client, db, patient_contact):
    path = confirm_path(patient_contact)
    token = page_token(client.get(path).get_data(as_text=True))
    done = client.post(path, data={"csrf_token": token}, headers={"User-Agent": "Firefox/140"},
                       environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert done.status_code == 200
    assert "You're unsubscribed" in done.get_data(as_text=True)
    db.session.expire_all()
    assert patient_contact.email_status == "unsubscribed" and patient_contact.sms_status == "subscribed"
    [change] = ledger(db)
    assert (change.channel, change.old_status, change.new_status, change.source) == (
        "email", "subscribed", "unsubscribed", "unsubscribe_page")
    assert change.evidence["ip_address"] == "203.0.113.7"
    assert change.evidence["user_agent"] == "Firefox/140"
    assert change.evidence["message_key"] == "campaign:1:contact:1"
    again = client.get(path).get_data(as_text=True)
    assert "You were already unsubscribed" in again


def test_the_confirm_post_without_the_pages_token_changes_nothing(client, db, patient_contact):
    """The page's form is CSRF-protected: a forged cross-site POST gets the question again."""
    path = confirm_path(patient_contact)
    refused = client.post(path, data={})
    assert refused.status_code == 400
    assert "Press the button again" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert patient_contact.email_status == "subscribed" and ledger(db) == []


def test_one_click_post_unsubscribes_with_the_token_alone(app, db, patient_contact):
    mail_client = app.test_client(use_cookies=False)  # RFC 8058: no cookies, no CSRF token
    response = mail_client.post(one_click_path(patient_contact, key="campaign:9:contact:1"), data=ONE_CLICK,
                                headers=MAIL_CLIENT, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    db.session.expire_all()
    assert patient_contact.email_status == "unsubscribed"
    [change] = ledger(db)
    assert change.source == "one_click" and change.evidence["user_agent"] == MAIL_CLIENT["User-Agent"]
    # multipart/form-data, the other body RFC 8058 allows, twice: answered, one ledger row
    again = mail_client.post(one_click_path(patient_contact, key="campaign:9:contact:1"), data=ONE_CLICK,
                             content_type="multipart/form-data")
    assert again.status_code == 200 and len(ledger(db)) == 1


@pytest.mark.parametrize("mangle", [lambda t: t[:-3] + "abc", lambda t: t + "x", lambda t: "A" * 40])
def test_a_tampered_token_gets_a_friendly_not_found_and_changes_nothing(app, client, db, patient_contact, mangle):
    token = mangle(unsubscribe.make_token(patient_contact, "email", "k"))
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 404
    assert "This unsubscribe link is not recognised" in page.get_data(as_text=True)
    assert client.post(f"/unsubscribe/{token}", data={}).status_code == 404
    assert app.test_client().post(f"/unsubscribe/one-click/{token}", data=ONE_CLICK).status_code == 404
    db.session.expire_all()
    assert patient_contact.email_status == "subscribed" and ledger(db) == []


def test_a_link_for_a_deleted_contact_is_not_found(app, db, patient_contact):
    path = one_click_path(patient_contact)
    db.session.delete(patient_contact)
    db.session.commit()
    assert app.test_client().post(path, data=ONE_CLICK).status_code == 404


def test_one_click_is_rate_limited_per_link_and_per_address(app, db, patient_contact, monkeypatch):
    monkeypatch.setitem(app.config, "UNSUBSCRIBE_RATE_LIMIT_PER_LINK", "3 per minute")
    monkeypatch.setitem(app.config, "UNSUBSCRIBE_RATE_LIMIT_PER_ADDRESS", "5 per minute")
    mail_client = app.test_client(use_cookies=False)
    path = one_click_path(patient_contact)
    codes = [mail_client.post(path, data=ONE_CLICK).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = ContactFactory()
    db.session.commit()
    codes = [mail_client.post(one_click_path(other), data=ONE_CLICK).status_code for _ in range(3)]
    assert codes[0] == 200 and codes[-1] == 429  # a fresh link, but the address has used its 5
    third = ContactFactory()
    db.session.commit()
    elsewhere = mail_client.post(one_click_path(third), data=ONE_CLICK, environ_base={"REMOTE_ADDR": "198.51.100.4"})
    assert elsewhere.status_code == 200


def test_a_marketing_email_from_deliver_carries_a_working_one_click_link(app, db, patient_contact):
    message = deliver("campaign:4:contact:1", patient_contact,
                      EmailDraft(to="pat@mail.example", subject="Winter", text="Hi"), kind="marketing", source="campaign")
    assert message.status == "sent"
    url = message.headers["List-Unsubscribe"].strip("<>")
    path = url.removeprefix(app.config["PUBLIC_URL"])
    assert app.test_client(use_cookies=False).post(path, data=ONE_CLICK).status_code == 200
    [change] = ledger(db)
    assert change.evidence["message_id"] == message.id and change.evidence["message_key"] == "campaign:4:contact:1"


@pytest.mark.parametrize("how", ["page", "one_click"])
def test_the_next_push_tells_cliniko_and_the_ledger_records_when(app, client, db, sandbox, synced, run_jobs,
                                                                 monkeypatch, how):
    monkeypatch.setitem(app.config, "PUSH_DELAY_SECONDS", 0)  # due at once: one push cycle
    contact, patient_id = synced
    assert sandbox.world.patient(patient_id)["accepted_email_marketing"] is True
    if how == "page":
        path = confirm_path(contact)
        assert client.post(path, data={"csrf_token": page_token(client.get(path).get_data(as_text=True))}).status_code == 200
    else:
        assert app.test_client(use_cookies=False).post(one_click_path(contact), data=ONE_CLICK).status_code == 200
    [change] = [c for c in ledger(db) if c.source in ("unsubscribe_page", "one_click")]
    assert change.cliniko_told_at is None
    assert db.session.query(OutboxEdit).count() == 1
    run_jobs(include_scheduled=True)
    assert sandbox.world.patient(patient_id)["accepted_email_marketing"] is False
    assert sandbox.requests.count("PATCH /patients/{id}") == 1
    db.session.expire_all()
    told = db.session.get(ConsentChange, change.id).cliniko_told_at
    assert told is not None and told >= change.created_at
    assert db.session.query(OutboxEdit).count() == 0
    pulled = [c for c in ledger(db) if c.source == "cliniko_pull"]
    assert all(c.cliniko_told_at is None for c in pulled)  # Cliniko told us those
