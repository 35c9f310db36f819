"""Every endpoint is behind login unless it is on the public list; admin areas are admins-only."""
import re

import pytest
from werkzeug.routing import IntegerConverter

from oncord.models import Role

PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.setup", "health.healthz", "public_site.home", "public_site.show",
                    "unsubscribe.confirm", "unsubscribe.one_click"}
ADMIN_ONLY_BLUEPRINTS = {"users", "integrations", "rq_dashboard", "consent_export"}
# Twilio calls these: no login, but each request needs Twilio's signature (tests/blueprints/test_webhooks.py).
PUBLIC_ENDPOINTS |= {"webhooks.twilio_status", "webhooks.twilio_sms"}


def _example_url(rule) -> str:
    """Fill a rule's variables with plausible values."""
    values = {}
    for name, converter in rule._converters.items():
        values[name] = 1 if isinstance(converter, IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC_ENDPOINTS]


def test_every_endpoint_not_public_needs_login(app, client, make_user, csrf_token):
    make_user(Role.ADMIN)  # past first-run setup
    token = csrf_token()
    rules = _rules(app)
    assert len(rules) > 10  # the walk really covers the app, RQ dashboard included
    for rule in rules:
        url = _example_url(rule)
        response = client.open(url, method=_method(rule), headers={"X-CSRFToken": token})
        assert response.status_code == 302, (rule.endpoint, url, response.status_code)
        assert response.headers["Location"].startswith("/login"), (rule.endpoint, url)


def test_htmx_and_json_callers_get_401(app, client, make_user):
    make_user(Role.ADMIN)
    htmx = client.get("/dashboard", headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"].startswith("/login")
    as_json = client.get("/jobs/0/data/queues.json", headers={"Accept": "application/json"})
    assert as_json.status_code == 401
    assert as_json.json == {"error": "authentication required"}


def test_staff_get_403_on_admin_pages_and_jobs(app, client, login_as, csrf_token):
    login_as(Role.STAFF)
    token = csrf_token("/dashboard")
    admin_rules = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in ADMIN_ONLY_BLUEPRINTS]
    assert any(r.endpoint.startswith("rq_dashboard.") for r in admin_rules)
    for rule in admin_rules:
        response = client.open(_example_url(rule), method=_method(rule), headers={"X-CSRFToken": token})
        assert response.status_code == 403, (rule.endpoint, response.status_code)
    assert client.get("/jobs/").status_code == 403


def test_staff_do_not_see_admin_links(client, login_as):
    login_as(Role.STAFF)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "/settings/users/" not in html
    assert "/jobs/" not in html


@pytest.mark.parametrize("path", ["/login", "/healthz"])
def test_public_pages_answer_anonymously(client, make_user, path):
    make_user(Role.ADMIN)
    assert client.get(path).status_code == 200


def test_without_any_user_everything_leads_to_setup(client):
    response = client.get("/settings/users/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/setup"
    assert client.get("/login").headers["Location"] == "/setup"
    assert client.get("/healthz").status_code == 200


def test_session_cookie_is_httponly_and_lax(client, make_user, csrf_token):
    make_user(Role.ADMIN, email="a@clinic.example")
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert re.match(r"^[\w.-]+$", cookie.value)
