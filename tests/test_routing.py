"""Every route, read from the app's URL map so new routes are covered without editing this file:
ids no row can have are 404, and a NUL character anywhere in a request is a clear 400."""
import json
import re

import pytest
from sqlalchemy import func, select

from oncord.models import Contact, Role
from oncord.routing import LARGEST_ID

HUGE_IDS = [LARGEST_ID + 1, 2**63 - 1, 2**63, 2**64, 10**40]  # past PostgreSQL's integer, then SQLite's
PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
NUL_MESSAGE = "contain the NUL character"


def _routes(app):
    """(method, rule, endpoint) for every route and method a browser could send."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.rule, rule.endpoint


def _fill(rule: str, int_value) -> str:
    """The rule with `int_value` for every `<int:...>` part and a harmless word for the rest."""
    return PLACEHOLDER.sub(lambda m: str(int_value) if m.group(1) == "int" else "x", rule)


def _send(client, method, url, headers, **body):
    return client.open(url, method=method, headers=headers, **body)


@pytest.fixture
def admin_client(client, login_as, csrf_token):
    login_as(Role.ADMIN)
    return client, {"X-CSRFToken": csrf_token("/dashboard")}


def test_the_sweeps_see_every_kind_of_route(app):
    rules = [rule for _, rule, _ in _routes(app)]
    assert sum("<int:" in rule for rule in rules) >= 20  # contacts, users, pages, the jobs dashboard
    assert any(method == "POST" for method, _, _ in _routes(app))


def test_ids_no_row_can_have_are_not_found_on_every_route(app, admin_client):
    client, headers = admin_client
    checked = []
    for method, rule, endpoint in _routes(app):
        if "<int:" not in rule:
            continue
        for huge in HUGE_IDS:
            response = _send(client, method, _fill(rule, huge), headers)
            assert response.status_code == 404, (method, rule, huge, response.status_code)
            assert "There is nothing at this address." in response.get_data(as_text=True)
            checked.append(endpoint)
    assert {"contacts.show", "contacts.edit", "users.reset_password", "website.save"} <= set(checked)


def test_the_largest_id_still_reaches_the_view(app, admin_client):
    """The ceiling is the column's, not lower: the view itself answers for the largest real id."""
    client, headers = admin_client
    response = client.get(f"/contacts/{LARGEST_ID}")
    assert response.status_code == 404  # the view's own "no such contact"
    assert client.get(f"/contacts/{LARGEST_ID + 1}").status_code == 404
    assert app.url_map.bind("localhost").match(f"/contacts/{LARGEST_ID}")[0] == "contacts.show"
    with pytest.raises(Exception):
        app.url_map.bind("localhost").match(f"/contacts/{LARGEST_ID + 1}")


@pytest.mark.parametrize("where", ["query", "form", "form key", "json", "path"])
def test_a_nul_character_anywhere_is_refused_on_every_route(app, admin_client, where):
    client, headers = admin_client
    for method, rule, endpoint in _routes(app):
        url = _fill(rule, 1)
        if where == "query":
            response = _send(client, method, url + "?q=Ana%00Smith", headers)
        elif where == "path":
            response = _send(client, method, url.rstrip("/") + "/x%00y", headers)
        elif method == "GET":
            continue
        elif where == "form":
            response = _send(client, method, url, headers, data={"first_name": "Ana\x00", "name": "Ana\x00"})
        elif where == "form key":
            response = _send(client, method, url, headers, data={"first\x00name": "Ana"})
        else:
            response = _send(client, method, url, headers, data=json.dumps({"blocks": [{"text": "Ana\x00"}]}),
                             content_type="application/json")
        assert response.status_code == 400, (where, method, rule, response.status_code)
        assert NUL_MESSAGE in response.get_data(as_text=True), (where, method, rule)


def test_a_nul_character_is_refused_before_signing_in_too(client, make_user):
    make_user()
    assert client.get("/?q=%00").status_code == 400
    assert client.post("/login", data={"email": "a\x00@clinic.example", "password": "x"}).status_code == 400


def test_a_contact_with_a_nul_character_is_not_saved(db, admin_client):
    """On PostgreSQL this used to crash the insert; now nothing is saved and the page says why."""
    client, headers = admin_client
    response = client.post("/contacts/new", headers=headers, data={
        "first_name": "Ana\x00", "last_name": "Smith", "email_status": "unknown", "sms_status": "unknown"})
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)
    assert client.get("/contacts/?q=Ana%00").status_code == 400
    assert db.session.scalar(select(func.count(Contact.id))) == 0


@pytest.mark.parametrize("limit", [0, 1, 7, 10, 99, 100, 305, 1000, LARGEST_ID, 2**63 - 1])
def test_the_id_pattern_matches_exactly_the_numbers_up_to_its_limit(limit):
    from oncord.routing import digits_up_to

    pattern = re.compile(digits_up_to(limit))
    numbers = set(range(min(limit, 1200) + 20)) | {limit - 1, limit, limit + 1, limit * 10, 10 ** len(str(limit))}
    for number in (n for n in numbers if n >= 0):
        for text in (str(number), "00" + str(number)):
            assert bool(pattern.fullmatch(text)) is (number <= limit), text
