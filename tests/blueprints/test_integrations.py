"""Settings > Integrations: connecting Cliniko, syncing on demand, status and history."""
import requests
import responses

from oncord.models import ClinikoConnection, Contact, Role, SyncRun
from oncord.sync.connection import get_connection
from tests.sync.test_pull import live_patient_ids


def _connect(client, csrf_token, sandbox, key=None, **extra):
    return client.post("/settings/integrations/cliniko/connect", data={
        "api_key": key or sandbox.api_key, "base_url": sandbox.base_url, "subdomain": "demo-clinic",
        "csrf_token": csrf_token("/settings/integrations/"), **extra})


def test_connect_checks_the_key_live_and_stores_it_encrypted(app, client, db, login_as, csrf_token, sandbox):
    login_as(Role.ADMIN)
    response = _connect(client, csrf_token, sandbox)
    assert response.status_code == 302
    connection = get_connection()
    assert connection.is_connected and connection.api_key == sandbox.api_key
    assert connection.api_key_last4 == sandbox.api_key[-8:-4]
    raw = db.session.execute(db.text("SELECT api_key FROM cliniko_connections")).scalar()
    assert sandbox.api_key not in raw
    html = client.get("/settings/integrations/").get_data(as_text=True)
    assert "••••" + sandbox.api_key[-8:-4] + "-au1" in html
    assert sandbox.api_key not in html


def test_a_wrong_key_is_explained_and_nothing_is_saved(client, db, login_as, csrf_token, sandbox):
    login_as(Role.ADMIN)
    response = _connect(client, csrf_token, sandbox, key="wrongwrongwrongwrongwrong000000-au1")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"Cliniko did not accept this API key at the API address {sandbox.base_url}" in html
    assert 'value="wrongwrongwrongwrongwrong000000-au1"' in html
    assert db.session.query(ClinikoConnection).count() == 0


def test_a_wrong_api_address_keeps_the_key_and_says_what_was_tried(client, db, login_as, csrf_token, sandbox):
    login_as(Role.ADMIN)
    response = client.post("/settings/integrations/cliniko/connect", data={
        "api_key": sandbox.api_key, "base_url": "http://127.0.0.1:9/v1", "csrf_token": csrf_token("/settings/integrations/")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "No answer from the API address http://127.0.0.1:9/v1" in html
    assert "Check that address (leave it empty to connect to Cliniko itself)" in html
    assert "the server at that address is running" in html
    assert f'value="{sandbox.api_key}"' in html  # typed once, kept for the retry
    assert 'value="http://127.0.0.1:9/v1"' in html and "<details open>" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert db.session.query(ClinikoConnection).count() == 0


@responses.activate
def test_a_missing_api_address_names_cliniko_address_and_the_key_ending(client, db, login_as, csrf_token):
    responses.add(responses.GET, "https://api.au1.cliniko.com/v1/user",
                  body=requests.ConnectionError("no route to host"))
    login_as(Role.ADMIN)
    response = client.post("/settings/integrations/cliniko/connect", data={
        "api_key": "a-sandbox-key-0000000000000000-au1", "base_url": "", "csrf_token": csrf_token("/settings/integrations/")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "No answer from https://api.au1.cliniko.com/v1, Cliniko&#39;s address for keys ending in -au1" in html
    assert "ending (such as -au1 or -uk2) names your" in html and "API address under Advanced is empty" in html
    assert "can reach the internet" in html
    assert 'value="a-sandbox-key-0000000000000000-au1"' in html and "<details open>" in html


def test_an_unusable_api_address_is_explained_in_staff_words(client, db, login_as, csrf_token):
    login_as(Role.ADMIN)
    response = client.post("/settings/integrations/cliniko/connect", data={
        "api_key": "abc-au1", "base_url": "http://clinic.example/v1", "csrf_token": csrf_token("/settings/integrations/")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The API address http://clinic.example/v1 cannot be used" in html and "settings are not usable" not in html


def test_the_api_address_is_remembered_after_a_disconnect_but_the_key_is_not(client, db, login_as, csrf_token, sandbox):
    login_as(Role.ADMIN)
    _connect(client, csrf_token, sandbox)
    client.post("/settings/integrations/cliniko/disconnect", data={"csrf_token": csrf_token("/settings/integrations/")})
    html = client.get("/settings/integrations/").get_data(as_text=True)
    assert f'value="{sandbox.base_url}"' in html and 'value="demo-clinic"' in html
    assert sandbox.api_key not in html
    assert _connect(client, csrf_token, sandbox).status_code == 302


def test_synchronise_runs_a_pull_and_status_stops_polling_when_done(client, db, login_as, csrf_token, sandbox, run_jobs):
    sandbox.reset(patients=30, appointments=120, seed=5)
    login_as(Role.ADMIN)
    _connect(client, csrf_token, sandbox)
    queued = client.post("/settings/integrations/cliniko/sync", headers={"HX-Request": "true", "X-CSRFToken": csrf_token("/dashboard")})
    assert 'hx-trigger="every 2s"' in queued.get_data(as_text=True)  # polls while queued
    still_queued = client.get("/settings/integrations/cliniko/status", headers={"HX-Request": "true"})
    assert "HX-Trigger" not in still_queued.headers
    run_jobs()
    finished = client.get("/settings/integrations/cliniko/status", headers={"HX-Request": "true"})
    status = finished.get_data(as_text=True)
    assert "hx-trigger" not in status  # idle: polling stops
    assert "Last sync finished" in status
    assert finished.headers["HX-Trigger"] == "sync-finished"  # ...and the history table refreshes itself
    table = client.get("/settings/integrations/cliniko/history", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="sync-finished from:body"' in table and "Succeeded" in table
    assert db.session.query(Contact).count() == len(live_patient_ids(sandbox.world))
    history = client.get("/settings/integrations/").get_data(as_text=True)
    assert "Succeeded" in history
    assert db.session.query(SyncRun).count() == 1  # the connect and the click made one pull


def test_auto_sync_toggle_and_disconnect_keep_data(client, db, login_as, csrf_token, sandbox, run_jobs):
    sandbox.reset(patients=5, appointments=10, seed=2)
    login_as(Role.ADMIN)
    _connect(client, csrf_token, sandbox)
    run_jobs()
    token = csrf_token("/settings/integrations/")
    client.post("/settings/integrations/cliniko/auto-sync", data={"enabled": "", "csrf_token": token})
    assert get_connection().auto_sync is False
    assert "Automatic sync is off" in client.get("/settings/integrations/").get_data(as_text=True)
    client.post("/settings/integrations/cliniko/disconnect", data={"csrf_token": token})
    connection = get_connection()
    assert not connection.is_connected and connection.api_key is None
    assert db.session.query(Contact).count() > 0


def test_booking_settings_are_saved(client, db, login_as, csrf_token, sandbox):
    login_as(Role.ADMIN)
    _connect(client, csrf_token, sandbox)
    response = client.post("/settings/integrations/cliniko/booking", data={
        "booking_url": "https://demo-clinic.au1.cliniko.com/bookings", "booking_embed_code": "<iframe></iframe>",
        "csrf_token": csrf_token("/settings/integrations/")})
    assert response.status_code == 302
    assert get_connection().booking_url == "https://demo-clinic.au1.cliniko.com/bookings"
