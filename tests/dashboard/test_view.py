"""The dashboard page: behind login, setup first until done, then figures that link to their pages."""
from datetime import timedelta

from oncord.models import Role
from oncord.timestamps import utcnow
from tests.dashboard.conftest import add_message
from tests.factories import ContactFactory


def test_login_required(client, make_user):
    make_user(Role.ADMIN)  # past first-run setup
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_sees_the_checklist_until_setup_is_done(client, db, login_as):
    login_as(Role.ADMIN)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Getting started" in html
    assert html.index("Getting started") < html.index("Messages to patients")  # setup leads while unfinished


def test_figures_render_with_data(client, db, login_as, sydney):
    login_as(Role.STAFF)
    contact = ContactFactory(email_status="subscribed", sms_status="pending")
    add_message(utcnow() - timedelta(hours=1), "sent", contact=contact)
    add_message(utcnow() - timedelta(hours=2), "failed", contact=contact, reason="Bad number")
    add_message(utcnow() - timedelta(hours=3), "uncertain", contact=contact)
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "<svg" in html and 'class="bar bar-sent"' in html
    assert "may or may not have gone out" in html
    assert "/marketing/messages/?status=uncertain" in html
    assert "100%" in html  # one live contact, subscribed to email
