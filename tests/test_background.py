"""Redis down (a URL whose port refuses connections): clear messages, sign-in degrades, edits are kept."""
import time

import pytest

from oncord import create_app
from oncord.extensions import limiter
from oncord.models import OutboxEdit, Role
from oncord.sync.connection import get_connection
from tests import services
from tests.blueprints.test_contact_editing import _form
from tests.conftest import RequestPerContextClient
from tests.factories import TEST_PASSWORD
from tests.pages import csrf_token_of
from tests.sync.test_push import PATCH, synced  # noqa: F401 (fixture)

UNAVAILABLE = "Background services are unavailable"


@pytest.fixture
def down_app(app, db):
    """The same database, but Redis at a closed port: every Redis call is refused."""
    closed = f"redis://127.0.0.1:{services.free_port()}/0"
    down = create_app({**{k: v for k, v in app.config.items() if k.startswith(("SECRET", "ENCRYPTION", "SQLALCHEMY",
                                                                               "RQ_QUEUE", "CLINIKO"))},
                       "TESTING": True, "REDIS_URL": closed, "RATELIMIT_STORAGE_URI": closed,
                       "RQ_DASHBOARD_REDIS_URL": closed})
    down.test_client_class = RequestPerContextClient
    yield down
    # Flask-Limiter keeps one storage for the process: give the suite's app back its own.
    limiter.init_app(app)
    limiter._storage_dead = False
    with down.app_context():
        down.extensions["sqlalchemy"].engine.dispose()


def _signed_in(down_app, make_user, role=Role.ADMIN):
    from oncord import accounts
    from oncord.extensions import db

    user = make_user(role)
    session_id = accounts.start_session(user)
    db.session.commit()
    client = down_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def test_sign_in_works_and_is_still_rate_limited_in_memory(down_app, make_user):
    make_user(email="nurse@clinic.example")
    client = down_app.test_client()
    token = csrf_token_of(client)
    form = {"email": "nurse@clinic.example", "csrf_token": token}
    response = client.post("/login", data={**form, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token_of(client, "/dashboard")})

    token = csrf_token_of(client)
    for _ in range(5):
        assert client.post("/login", data={**form, "csrf_token": token, "password": "guess"}).status_code == 401
    assert client.post("/login", data={**form, "csrf_token": token, "password": TEST_PASSWORD}).status_code == 429


def test_integrations_page_and_synchronise_say_background_services_are_unavailable(down_app, connected, make_user):
    client = _signed_in(down_app, make_user)
    page = client.get("/settings/integrations/")
    assert page.status_code == 200
    assert UNAVAILABLE in page.get_data(as_text=True)
    synchronise = client.post("/settings/integrations/cliniko/sync", headers={
        "HX-Request": "true", "X-CSRFToken": csrf_token_of(client, "/settings/integrations/")})
    assert synchronise.status_code == 200
    assert UNAVAILABLE in synchronise.get_data(as_text=True)


def test_an_action_that_needs_redis_answers_503_with_the_reason_and_keeps_what_was_saved(down_app, connected,
                                                                                         make_user, db):
    client = _signed_in(down_app, make_user)
    get_connection().auto_sync = False
    db.session.commit()
    response = client.post("/settings/integrations/cliniko/auto-sync", data={
        "enabled": "y", "csrf_token": csrf_token_of(client, "/settings/integrations/")})
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Background services unavailable" in html and "Nothing you saved is lost" in html
    db.session.expire_all()
    assert get_connection().auto_sync is True


def test_an_edit_saved_while_redis_is_down_says_so_and_reaches_cliniko_once_a_worker_runs(
        down_app, app, db, sandbox, synced, make_user, start_worker):
    contact, patient_id = synced
    client = _signed_in(down_app, make_user, Role.STAFF)
    response = client.post(f"/contacts/{contact.id}/edit", data=_form(
        contact, email="kept@example.com", csrf_token=csrf_token_of(client, f"/contacts/{contact.id}/edit")))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved. Background services are unavailable right now" in page
    assert "sent to Cliniko when they are back" in page
    assert "email" in {edit.field for edit in db.session.query(OutboxEdit)}  # kept for Cliniko

    # Redis is back without the push job: a worker's schedule check puts it back (no tick runs in
    # this test), and the edit goes when its batch falls due.
    start_worker(PUSH_DELAY_SECONDS=45, SYNC_INTERVAL_SECONDS=3600)  # due well after it starts
    deadline = time.monotonic() + 120
    while sandbox.requests.count(PATCH) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sandbox.world.patient(patient_id)["email"] == "kept@example.com"
