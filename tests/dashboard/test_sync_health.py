"""The Cliniko card: last sync, its problems, waiting and refused edits, and the requests spent."""
from datetime import timedelta

import pytest

from oncord.dashboard import sync_health as health
from oncord.models import Role, OutboxEdit, SyncRun
from oncord.sync import status
from oncord.timestamps import utcnow
from tests.dashboard import seed
from tests.factories import ContactFactory


@pytest.fixture
def worker_running(monkeypatch):
    monkeypatch.setattr(status, "background_status", lambda: status.Background(True, 1, []))


def test_healthy_sync_spends_a_little_of_the_allowance(app, db, worker_running):
    now = utcnow()
    connection = seed.connection(now, requests=600)
    db.session.add(SyncRun(connection_id=connection.id, trigger="scheduled", status="succeeded", requests=5000,
                           started_at=now - timedelta(hours=3), finished_at=now - timedelta(hours=2)))  # too old
    db.session.commit()
    with app.test_request_context():
        found = health.sync_health(now)
    assert found.connected and found.healthy and found.problems == []
    assert found.requests_last_hour == 600 and found.budget_percent == 5  # of 12,000 an hour


def test_problems_in_staff_words(app, db, worker_running):
    now = utcnow()
    connection = seed.connection(now)
    db.session.add(SyncRun(connection_id=connection.id, trigger="scheduled", status="failed", started_at=now,
                           finished_at=now, error="Cliniko refused the API key.", problems=["patient 5: bad date"]))
    contact = ContactFactory(linked=True)
    db.session.flush()
    db.session.add_all([OutboxEdit(contact_id=contact.id, patient_id=contact.cliniko_patient_id, field=f, value={"v": 1},
                                   status=s) for f, s in (("email", "rejected"), ("phone", "rejected"), ("city", "pending"))])
    db.session.commit()
    with app.test_request_context():
        found = health.sync_health(now)
    assert not found.healthy and found.state.waiting_edits == 1 and found.rejected_edits == 2
    assert found.problems == ["The last sync failed: Cliniko refused the API key.",
                              "The last sync skipped or repaired 1 record.",
                              "Cliniko refused 2 edits: each contact's page says why."]


def test_not_connected(app, db):
    with app.test_request_context():
        found = health.sync_health(utcnow())
    assert not found.connected and not found.healthy


def test_the_card_links_admins_to_the_settings_only(client, db, login_as, make_user):
    seed.connection(utcnow())
    db.session.commit()
    login_as(Role.STAFF)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "/settings/integrations/" not in html and "14 in the last hour (under 1% of what Cliniko allows)" in html
    admin = client.application.test_client()
    from oncord import accounts
    from oncord.extensions import db as _db
    user = make_user(Role.ADMIN)
    session_id = accounts.start_session(user)
    _db.session.commit()
    with admin.session_transaction() as session:
        session["_user_id"] = session_id
    assert 'href="/settings/integrations/">Sync settings and history' in admin.get("/dashboard").get_data(as_text=True)
