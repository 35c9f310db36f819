"""The dashboard: admins get the setup checklist, everyone else never sees operator steps."""
from oncord.models import Role

OPERATOR_WORDS = ("make run", "worker.py", "worker", "Getting started", "Settings &gt; Integrations", "API key")


def test_staff_never_see_operator_steps_and_are_told_whom_to_ask(client, db, login_as):
    login_as(Role.STAFF)
    html = client.get("/dashboard").get_data(as_text=True)
    for words in OPERATOR_WORDS:
        assert words not in html
    assert "Ask your administrator to connect Cliniko" in html
    assert "0 contacts" in html and 'href="/contacts/"' in html


def test_staff_see_the_connection_once_connected(client, db, login_as, connected):
    connected.account_name = "Harbour Physio"
    db.session.commit()
    login_as(Role.STAFF)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Connected to Harbour Physio" in html and "Ask your administrator" not in html
    assert "make run" not in html and "worker.py" not in html


def test_admins_still_get_the_setup_checklist(client, db, login_as):
    login_as(Role.ADMIN)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Getting started" in html and "<code>make run</code>" in html and "Connect Cliniko" in html


def test_admins_are_told_how_to_start_the_worker_staff_whom_to_ask(client, db, login_as, connected):
    db.session.commit()
    login_as(Role.ADMIN)
    admin_html = client.get("/dashboard").get_data(as_text=True)
    assert "python worker.py" in admin_html  # no worker runs in this test
    login_as(Role.STAFF)
    staff_html = client.get("/dashboard").get_data(as_text=True)
    assert "Syncing with Cliniko has stopped for now" in staff_html and "tell your administrator" in staff_html
    assert "worker" not in staff_html
