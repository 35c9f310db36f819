"""The dashboard page: behind login, setup first until done, then figures that link to their pages."""
from datetime import timedelta

from oncord.models import Role
from oncord.timestamps import utcnow
from tests.dashboard.seed import message as add_message
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


def _hrefs(html: str, within: str) -> list[str]:
    import re
    from html import unescape

    block = html[html.index(within):]
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', block)]


def _rows(client, href: str) -> int:
    return client.get(href).get_data(as_text=True).count("<tr>") - 1  # the header row


def test_every_figure_links_to_the_page_behind_it(client, db, login_as, sydney):
    from tests.dashboard import seed

    login_as(Role.STAFF)
    data = seed.clinic(utcnow())
    html = client.get("/dashboard").get_data(as_text=True)
    links = _hrefs(html, '<div class="board">')
    campaign_ids = [c.id for c in data["campaigns"]]
    assert "/marketing/campaigns/" in links
    assert {f"/marketing/campaigns/{i}/results" for i in campaign_ids} <= set(links)
    for href in links:
        assert client.get(href).status_code == 200, href
    assert f"/marketing/automations/{data['automation'].id}/" in links  # the one reminder automation
    assert "/contacts/?email=subscribed" in links and "/contacts/?sms=subscribed" in links
    # The list behind a figure shows that many rows.
    legend = [h for h in links if "status=failed" in h and "since=" in h and "until=" in h][0]
    assert _rows(client, legend) == 5 and "<strong>5</strong>" in html
    assert _rows(client, "/marketing/messages/?status=uncertain") == 2
    tiles = html[html.index('<ul class="tiles"'):html.index("</ul>", html.index('<ul class="tiles"'))]
    assert "26 of 40 contacts" in tiles and "20 of 40 contacts" in tiles


def test_checklist_gives_way_once_setup_is_done(client, db, login_as, make_user, monkeypatch):
    from oncord import getting_started
    from tests.dashboard import seed

    monkeypatch.setattr(getting_started, "running_workers", lambda: 1)
    login_as(Role.ADMIN)
    make_user(Role.STAFF)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Getting started" in html and "Connect Cliniko" in html  # not connected yet
    seed.connection(utcnow())
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Getting started" not in html
    assert html.index('<ul class="tiles"') < html.index("Messages to patients")  # the figures lead


def test_staff_see_the_plain_summary_until_cliniko_is_synced(client, db, login_as):
    from tests.dashboard import seed

    login_as(Role.STAFF)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Ask your administrator to connect Cliniko" in html and "Getting started" not in html
    seed.connection(utcnow())
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Your clinic" not in html and "Messages to patients" in html


def test_empty_install_speaks_staff_words(client, db, login_as):
    login_as(Role.STAFF)
    html = client.get("/dashboard").get_data(as_text=True)
    for words in ("No messages to patients in the last 30 days", "Nothing to check",
                  "No patient replied STOP or asked to cancel", "No campaign is sending or scheduled",
                  "no reminder automation is switched on", "Cliniko isn't connected"):
        assert words in html, words
