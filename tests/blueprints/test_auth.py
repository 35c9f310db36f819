import pytest

from oncord import accounts
from oncord.blueprints.auth import LOGIN_FAILED, TOO_MANY_ATTEMPTS, TOO_MANY_PASSWORD_CHECKS, WRONG_CURRENT_PASSWORD
from oncord.models import Role, User
from tests.factories import TEST_PASSWORD
from tests.pages import csrf_token_of, without_csrf_tokens


def _login(client, token, email, password, **extra):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token, **extra})


def test_first_run_setup_creates_the_admin_and_signs_in(client, db, csrf_token):
    token = csrf_token("/setup")
    response = client.post("/setup", data={
        "name": "Dr Ana Ruiz", "email": "Ana@Clinic.example", "password": "long enough pw", "confirm": "long enough pw",
        "csrf_token": token,
    })
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    user = db.session.query(User).one()
    assert user.email == "ana@clinic.example" and user.is_admin
    assert user.password_hash != "long enough pw" and user.check_password("long enough pw")
    assert "Welcome, Dr Ana Ruiz" in client.get("/dashboard").get_data(as_text=True)
    # closed once a user exists
    assert client.get("/setup").headers["Location"] == "/login"


def test_setup_rejects_short_or_mismatched_passwords(client, db, csrf_token):
    token = csrf_token("/setup")
    html = client.post("/setup", data={"name": "A", "email": "a@clinic.example", "password": "short",
                                       "confirm": "other", "csrf_token": token}).get_data(as_text=True)
    assert "Use at least 10 characters." in html and "The two passwords differ." in html
    assert db.session.query(User).count() == 0


def test_login_and_logout(client, make_user, csrf_token):
    user = make_user(Role.STAFF, email="sam@clinic.example", name="Sam Lee")
    token = csrf_token()
    response = _login(client, token, "SAM@clinic.example", TEST_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert "Sam Lee" in client.get("/dashboard").get_data(as_text=True)
    assert user.last_login_at is not None or accounts.find_by_email(user.email).last_login_at is not None
    response = client.post("/logout", data={"csrf_token": csrf_token("/dashboard")})
    assert response.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302


def test_login_follows_only_local_next(client, make_user, csrf_token):
    make_user(email="n@clinic.example")
    token = csrf_token()
    ok = client.post("/login?next=/account", data={"email": "n@clinic.example", "password": TEST_PASSWORD, "csrf_token": token})
    assert ok.headers["Location"] == "/account"
    client.post("/logout", data={"csrf_token": csrf_token("/dashboard")})
    token = csrf_token()
    evil = client.post("/login?next=//evil.example/", data={"email": "n@clinic.example", "password": TEST_PASSWORD, "csrf_token": token})
    assert evil.headers["Location"] == "/dashboard"


def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_user, csrf_token):
    make_user(email="known@clinic.example")
    token = csrf_token()
    wrong = _login(client, token, "known@clinic.example", "not the password")
    unknown = _login(client, token, "nobody@clinic.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert LOGIN_FAILED in wrong.get_data(as_text=True)
    def body(response):
        html = without_csrf_tokens(response.get_data(as_text=True))
        return html.replace("known@clinic.example", "").replace("nobody@clinic.example", "")

    assert "<csrf>" in body(wrong)
    assert body(wrong) == body(unknown)


def test_deactivated_user_cannot_sign_in(client, make_user, csrf_token):
    make_user(email="gone@clinic.example", active=False)
    response = _login(client, csrf_token(), "gone@clinic.example", TEST_PASSWORD)
    assert response.status_code == 401 and LOGIN_FAILED in response.get_data(as_text=True)


def test_login_is_rate_limited_per_account(app, client, make_user, csrf_token):
    make_user(email="target@clinic.example")
    token = csrf_token()
    for _ in range(5):
        assert _login(client, token, "target@clinic.example", "guess").status_code == 401
    blocked = _login(client, token, "target@clinic.example", TEST_PASSWORD)
    assert blocked.status_code == 429
    assert TOO_MANY_ATTEMPTS in blocked.get_data(as_text=True)
    # other accounts from the same address still get in
    make_user(email="other@clinic.example")
    assert _login(client, token, "other@clinic.example", TEST_PASSWORD).status_code == 302


def test_successful_logins_do_not_use_up_the_account_limit(client, make_user, csrf_token):
    make_user(email="busy@clinic.example")
    for _ in range(7):
        token = csrf_token()
        assert _login(client, token, "busy@clinic.example", TEST_PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token("/dashboard")})


def test_login_is_rate_limited_per_address(client, make_user, csrf_token):
    make_user(email="real@clinic.example")
    token = csrf_token()
    for n in range(20):
        _login(client, token, f"spray{n}@clinic.example", "guess")
    blocked = _login(client, token, "real@clinic.example", TEST_PASSWORD)
    assert blocked.status_code == 429
    assert TOO_MANY_ATTEMPTS in blocked.get_data(as_text=True)


def test_change_own_password_signs_out_other_sessions(app, client, make_user, csrf_token):
    make_user(email="me@clinic.example")
    _login(client, csrf_token(), "me@clinic.example", TEST_PASSWORD)
    other_device = app.test_client()
    _login(other_device, csrf_token_of(other_device), "me@clinic.example", TEST_PASSWORD)
    assert other_device.get("/dashboard").status_code == 200
    response = client.post("/account", data={"current_password": TEST_PASSWORD, "password": "a brand new one",
                                             "confirm": "a brand new one", "csrf_token": csrf_token("/account")})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this device stays signed in
    assert other_device.get("/dashboard").status_code == 302  # the other is signed out


def test_change_password_needs_the_current_one(client, login_as, csrf_token):
    login_as()
    html = client.post("/account", data={"current_password": "wrong", "password": "a brand new one",
                                         "confirm": "a brand new one", "csrf_token": csrf_token("/account")}).get_data(as_text=True)
    assert "This is not your current password." in html



# `next` as it arrives in the address bar (percent-encoded), and where signing in must land.
NEXT_VECTORS = [
    ("//evil.example/x", "/dashboard"), ("/%5Cevil.example", "/dashboard"), ("/%5C%5Cevil.example", "/dashboard"),
    ("/%09/evil.example/x", "/dashboard"), ("%09//evil.example", "/dashboard"), ("/%0d%0a/evil.example", "/dashboard"),
    ("%0d%0aSet-Cookie:%20a=b", "/dashboard"), ("/x%0D%0ALocation:%20https://evil.example", "/dashboard"),
    ("https:evil.example", "/dashboard"), ("https://evil.example/", "/dashboard"), ("/%2F%2Fevil.example", "/dashboard"),
    ("/%252F%252Fevil.example", "/dashboard"), ("%20//evil.example", "/dashboard"), ("/.//evil.example", "/dashboard"),
    ("/%E3%80%80/evil.example", "/dashboard"), ("javascript:alert(1)", "/dashboard"),
    ("/account", "/account"), ("/contacts/7%3Fq%3DZo%25C3%25AB", "/contacts/7?q=Zo%C3%AB"),
]


@pytest.mark.parametrize("next_param,landing", NEXT_VECTORS)
def test_signing_in_never_leaves_the_site(client, make_user, csrf_token, next_param, landing):
    make_user(email="next@clinic.example")
    response = client.post(f"/login?next={next_param}",
                           data={"email": "next@clinic.example", "password": TEST_PASSWORD, "csrf_token": csrf_token()})
    assert response.status_code == 302
    assert response.headers["Location"] == landing


def _cookie(client, name):
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _browser_with(app, **cookies):
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def test_signing_out_ends_the_session_and_its_remember_cookie(app, client, make_user, csrf_token):
    """A copied session or remember cookie stops working once its browser signs out; other devices stay in."""
    make_user(email="out@clinic.example")
    _login(client, csrf_token(), "out@clinic.example", TEST_PASSWORD, remember="y")
    other_device = app.test_client()
    _login(other_device, csrf_token_of(other_device), "out@clinic.example", TEST_PASSWORD, remember="y")
    session_cookie, remember_cookie = _cookie(client, "session"), _cookie(client, "remember_token")
    # Before signing out, each copied cookie alone is as good as the browser it came from.
    assert _browser_with(app, session=session_cookie).get("/dashboard").status_code == 200
    assert _browser_with(app, remember_token=remember_cookie).get("/dashboard").status_code == 200

    response = client.post("/logout", data={"csrf_token": csrf_token("/dashboard")})
    assert response.headers["Location"] == "/login"
    assert client.get_cookie("remember_token") is None

    for replayed in (_browser_with(app, session=session_cookie), _browser_with(app, remember_token=remember_cookie),
                     _browser_with(app, session=session_cookie, remember_token=remember_cookie)):
        response = replayed.get("/dashboard")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert other_device.get("/dashboard").status_code == 200
    assert _browser_with(app, remember_token=_cookie(other_device, "remember_token")).get("/dashboard").status_code == 200


def _change_password(client, csrf_token, current, new="a brand new one", confirm=None):
    return client.post("/account", data={"current_password": current, "password": new, "confirm": confirm or new,
                                         "csrf_token": csrf_token("/account")})


def test_current_password_checks_are_rate_limited_per_account(app, client, db, login_as, csrf_token):
    me = login_as(email="guess@clinic.example")
    for _ in range(5):
        response = _change_password(client, csrf_token, "a wrong guess")
        assert response.status_code == 200 and WRONG_CURRENT_PASSWORD in response.get_data(as_text=True)
    blocked = _change_password(client, csrf_token, TEST_PASSWORD)
    assert blocked.status_code == 429
    assert TOO_MANY_PASSWORD_CHECKS in blocked.get_data(as_text=True).replace("&#39;", "'")
    db.session.expire_all()
    assert db.session.get(User, me.id).check_password(TEST_PASSWORD)  # the right guess changed nothing


def test_current_password_checks_are_rate_limited_per_address(app, client, db, login_as, make_user, csrf_token):
    """The address limit covers guesses spread over many borrowed sessions."""
    for n in range(4):
        login_as(email=f"borrowed{n}@clinic.example")
        for _ in range(5):
            assert _change_password(client, csrf_token, "a wrong guess").status_code == 200
    login_as(email="fresh@clinic.example")
    assert _change_password(client, csrf_token, TEST_PASSWORD).status_code == 429


def test_typing_mistakes_in_the_new_password_use_up_no_guesses(client, login_as, csrf_token):
    login_as()
    for _ in range(7):
        assert _change_password(client, csrf_token, TEST_PASSWORD, confirm="a different one").status_code == 200
    assert _change_password(client, csrf_token, TEST_PASSWORD).status_code == 302


def test_signing_out_other_devices_keeps_this_one(app, client, make_user, csrf_token):
    make_user(email="phone@clinic.example")
    _login(client, csrf_token(), "phone@clinic.example", TEST_PASSWORD)
    assert "This device only" in client.get("/account").get_data(as_text=True)
    lost_phone = app.test_client()
    _login(lost_phone, csrf_token_of(lost_phone), "phone@clinic.example", TEST_PASSWORD, remember="y")
    remember_cookie = _cookie(lost_phone, "remember_token")
    assert "This device and 1 other" in client.get("/account").get_data(as_text=True)

    response = client.post("/account/sign-out-others", data={"csrf_token": csrf_token("/account")})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "This device only" in client.get("/account").get_data(as_text=True)
    assert lost_phone.get("/dashboard").status_code == 302
    assert _browser_with(app, remember_token=remember_cookie).get("/dashboard").status_code == 302
