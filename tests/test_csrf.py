"""Forms without a CSRF token are refused and change nothing."""
from oncord.models import Role, User


def test_post_without_token_is_rejected_and_changes_nothing(client, db, login_as):
    login_as(Role.ADMIN)
    before = db.session.query(User).count()
    response = client.post("/settings/users/", data={"name": "Eve", "email": "eve@clinic.example",
                                                     "role": "admin", "password": "long enough pw"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert db.session.query(User).count() == before


def test_htmx_post_with_header_token_is_accepted(client, db, login_as, make_user, csrf_token):
    login_as(Role.ADMIN)
    other = make_user(Role.STAFF)
    token = csrf_token("/dashboard")
    refused = client.post(f"/settings/users/{other.id}/role", data={"role": "admin"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = client.post(f"/settings/users/{other.id}/role", data={"role": "admin"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 200
    db.session.refresh(other)
    assert other.is_admin


def test_login_without_token_is_rejected(client, make_user):
    make_user(email="x@clinic.example")
    assert client.post("/login", data={"email": "x@clinic.example", "password": "whatever"}).status_code == 400


def test_token_rides_on_the_body_for_htmx(client, login_as):
    login_as()
    assert 'hx-headers=\'{"X-CSRFToken": "' in client.get("/dashboard").get_data(as_text=True)
