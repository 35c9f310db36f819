from oncord import accounts
from oncord.models import Role, User


def test_admin_adds_a_staff_member_who_can_sign_in(app, client, db, login_as, csrf_token):
    login_as(Role.ADMIN)
    response = client.post("/settings/users/", data={"name": "Kim Tran", "email": "kim@clinic.example", "role": "staff",
                                                     "password": "kims password", "csrf_token": csrf_token("/settings/users/")})
    assert response.status_code == 302
    kim = db.session.query(User).filter_by(email="kim@clinic.example").one()
    assert kim.role == "staff" and kim.check_password("kims password")
    assert "Kim Tran" in client.get("/settings/users/").get_data(as_text=True)


def test_duplicate_email_and_bad_input_are_explained(client, db, login_as, csrf_token):
    login_as(Role.ADMIN, email="boss@clinic.example")
    token = csrf_token("/settings/users/")
    html = client.post("/settings/users/", data={"name": "B", "email": "BOSS@clinic.example", "role": "staff",
                                                 "password": "long enough pw", "csrf_token": token}).get_data(as_text=True)
    assert "already exists" in html
    html = client.post("/settings/users/", data={"name": "C", "email": "not-an-email", "role": "staff",
                                                 "password": "short", "csrf_token": token}).get_data(as_text=True)
    assert "Use at least 10 characters." in html
    assert db.session.query(User).count() == 1


def test_change_role_and_deactivate_swap_the_row(client, db, login_as, make_user, csrf_token):
    login_as(Role.ADMIN)
    other = make_user(Role.STAFF, name="Pat Doe")
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token("/dashboard")}
    row = client.post(f"/settings/users/{other.id}/role", data={"role": "admin"}, headers=headers).get_data(as_text=True)
    assert row.lstrip().startswith(f'<tr id="user-{other.id}"') and "Saved." in row
    row = client.post(f"/settings/users/{other.id}/deactivate", headers=headers).get_data(as_text=True)
    assert "Deactivated" in row and "Reactivate" in row
    db.session.refresh(other)
    assert other.is_admin and not other.active
    client.post(f"/settings/users/{other.id}/reactivate", headers=headers)
    db.session.refresh(other)
    assert other.active


def test_deactivation_ends_the_users_sessions(app, client, db, login_as, make_user, csrf_token):
    login_as(Role.ADMIN)
    staff = make_user(Role.STAFF)
    session_id = accounts.start_session(staff)
    db.session.commit()
    theirs = app.test_client()
    with theirs.session_transaction() as session:
        session["_user_id"] = session_id
    assert theirs.get("/dashboard").status_code == 200
    client.post(f"/settings/users/{staff.id}/deactivate", headers={"HX-Request": "true", "X-CSRFToken": csrf_token("/dashboard")})
    assert theirs.get("/dashboard").status_code == 302


def test_the_last_admin_cannot_be_demoted_or_deactivated(client, db, login_as, csrf_token):
    me = login_as(Role.ADMIN)
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token("/dashboard")}
    row = client.post(f"/settings/users/{me.id}/role", data={"role": "staff"}, headers=headers).get_data(as_text=True)
    assert "last active administrator" in row
    row = client.post(f"/settings/users/{me.id}/deactivate", headers=headers).get_data(as_text=True)
    assert "cannot deactivate your own account" in row
    db.session.refresh(me)
    assert me.is_admin and me.active


def test_admin_resets_a_password(client, db, login_as, make_user, csrf_token):
    login_as(Role.ADMIN)
    staff = make_user(Role.STAFF)
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token("/dashboard")}
    row = client.post(f"/settings/users/{staff.id}/password", data={"password": "short"}, headers=headers).get_data(as_text=True)
    assert "Use at least 10 characters." in row
    row = client.post(f"/settings/users/{staff.id}/password", data={"password": "a fresh password"}, headers=headers).get_data(as_text=True)
    assert "Password changed" in row
    db.session.refresh(staff)
    assert staff.check_password("a fresh password")


def test_without_htmx_actions_redirect_with_a_message(client, db, login_as, make_user, csrf_token):
    login_as(Role.ADMIN)
    staff = make_user(Role.STAFF)
    response = client.post(f"/settings/users/{staff.id}/role", data={"role": "admin", "csrf_token": csrf_token("/dashboard")})
    assert response.status_code == 302
    assert "Saved." in client.get("/settings/users/").get_data(as_text=True)


def test_unknown_user_is_404(client, login_as, csrf_token):
    login_as(Role.ADMIN)
    assert client.post("/settings/users/999999/deactivate", headers={"X-CSRFToken": csrf_token("/dashboard")}).status_code == 404
