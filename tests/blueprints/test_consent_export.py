"""The consent ledger on the contact page and as a CSV download for administrators."""
from __future__ import annotations

import csv
import io

from oncord.messaging import consent
from oncord.models import ConsentStatus, Role
from tests.factories import ContactFactory

CSV_URL = "/settings/messaging/consent.csv"


def unsubscribed_contact(db, **fields):
    contact = ContactFactory(email_status=ConsentStatus.SUBSCRIBED.value, **fields)
    db.session.commit()
    consent.unsubscribe(contact, "email", source="one_click",
                        evidence={"message_id": 41, "ip_address": "203.0.113.7", "user_agent": "ExampleMail/1.0"})
    db.session.commit()
    return contact


def rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_is_for_administrators_only(client, db, login_as):
    assert client.get(CSV_URL).status_code == 302  # signed out: to the login page
    login_as(Role.STAFF)
    assert client.get(CSV_URL).status_code == 403


def test_the_csv_holds_every_change_with_todays_name_and_the_patient_id(client, db, login_as):
    login_as(Role.ADMIN)
    contact = unsubscribed_contact(db, first_name="Mia", last_name="Chen", email="mia@example.com",
                                   cliniko_patient_id=1390726237298631770)
    contact.first_name = "Amelia"  # renamed since: the export shows the name now
    db.session.commit()
    response = client.get(CSV_URL)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    [row] = rows(response)
    assert (row["First name"], row["Last name"], row["Email"]) == ("Amelia", "Chen", "mia@example.com")
    assert row["Cliniko patient id"] == "1390726237298631770"  # an int64, never a float
    assert (row["Channel"], row["Old status"], row["New status"]) == ("Email", "Subscribed", "Unsubscribed")
    assert row["Source"] == "Unsubscribe button in their email app"
    assert '"ip_address": "203.0.113.7"' in row["Evidence"]
    assert row["Cliniko told at (UTC)"] == ""


def test_cells_that_a_spreadsheet_would_run_are_escaped(client, db, login_as):
    login_as(Role.ADMIN)
    unsubscribed_contact(db, first_name="=HYPERLINK(\"http://evil.example\")", last_name="+SUM(A1)",
                         email="@evil.example")
    other = ContactFactory(first_name="-2+3", last_name="Plain", email="plain@example.com",
                           sms_status=ConsentStatus.SUBSCRIBED.value)
    db.session.commit()
    consent.unsubscribe(other, "sms", source="unsubscribe_page")
    db.session.commit()
    first, second = rows(client.get(CSV_URL))
    assert first["First name"] == "'=HYPERLINK(\"http://evil.example\")"
    assert first["Last name"] == "'+SUM(A1)" and first["Email"] == "'@evil.example"
    assert second["First name"] == "'-2+3" and second["Last name"] == "Plain" and second["Channel"] == "SMS"


def test_the_contact_page_shows_the_consent_history(client, db, login_as):
    login_as(Role.STAFF)
    contact = unsubscribed_contact(db, cliniko_patient_id=777)
    html = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    section = html[html.index('id="consent-history"'):]
    section = section[:section.index("</section>")]
    assert "Consent history" in section
    assert "Subscribed → Unsubscribed" in section
    assert "Unsubscribe button in their email app" in section
    assert "message #41" in section and "203.0.113.7" in section and "ExampleMail/1.0" in section
    assert "Cliniko not told yet" in section


def test_the_history_names_the_staff_member_and_when_cliniko_was_told(client, db, login_as):
    from oncord.timestamps import utcnow

    user = login_as(Role.STAFF, name="Jo Reception")
    contact = ContactFactory(cliniko_patient_id=778, sms_status=ConsentStatus.SUBSCRIBED.value)
    db.session.commit()
    change = consent.set_status(contact, "sms", "unsubscribed", "staff", user=user)
    change.cliniko_told_at = utcnow()
    db.session.commit()
    section = client.get(f"/contacts/{contact.id}").get_data(as_text=True).split('id="consent-history"')[1]
    assert "Changed by staff" in section and "Jo Reception" in section and "Cliniko told" in section


def test_the_export_reads_the_ledger_in_pages_and_misses_no_row(db):
    from oncord.messaging import consent_history

    contacts = [ContactFactory(email_status=ConsentStatus.SUBSCRIBED.value) for _ in range(5)]
    db.session.commit()
    for contact in contacts:
        consent.unsubscribe(contact, "email", source="unsubscribe_page")
    db.session.commit()
    lines, after_id = [], 0
    while True:
        text, after_id = consent_history.csv_page(after_id, size=2)
        if after_id is None:
            break
        lines += text.splitlines()
    assert len(lines) == 5
    assert [line.split(",")[1] for line in lines] == [str(c.id) for c in contacts]
