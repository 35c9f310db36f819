"""`GET /settings` and `/settings/public`: the account, seeded from the seed, and the
role gate (only roles that can view settings read `/settings`; fact sheet §1, §7.7)."""

from __future__ import annotations

import re
import sqlite3

import pytest
import requests

from cliniko_sandbox.account import ROLES
from cliniko_sandbox.app import Sandbox
from cliniko_sandbox.validation import ValidationFailed

ID = re.compile(r"^[1-9][0-9]{17,18}$")  # an int64 string of 18-19 digits


def get(sandbox, session, path):
    return session.get(sandbox.base_url + path)


def test_settings_show_the_seeded_account(sandbox, sandbox_session):
    response = get(sandbox, sandbox_session, "/settings")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    account = response.json()["account"]
    stored = sandbox.world.account()
    assert account["subdomain"] == stored["subdomain"] and account["name"] == stored["name"]
    assert re.fullmatch(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", account["subdomain"])
    assert account["name"].strip() and account["country_code"] == "AU"
    assert account["country"] == "Australia" and ID.match(account["id"])
    user = get(sandbox, sandbox_session, "/user").json()
    assert (account["first_name"], account["last_name"]) == (user["first_name"], user["last_name"])
    assert response.json()["online_bookings"]["enabled"] is True


def test_public_settings_are_the_reduced_version(sandbox, sandbox_session):
    full = get(sandbox, sandbox_session, "/settings").json()
    public = get(sandbox, sandbox_session, "/settings/public").json()
    assert public["account"]["subdomain"] == full["account"]["subdomain"]
    assert public["account"]["name"] == full["account"]["name"]
    for private in ("email_from", "first_name", "last_name", "compliance"):
        assert private not in public["account"]
    assert "adroll" not in public["online_bookings"] and "medipass" not in public["integrations"]
    assert public["online_bookings"]["enabled"] == full["online_bookings"]["enabled"]


def test_practitioner_order_lists_the_bookable_practitioners(sandbox, sandbox_session):
    order = get(sandbox, sandbox_session, "/settings").json()["online_bookings"][
        "practitioner_order"]
    assert sorted(order) == sorted(str(r[0]) for r in sandbox.world.store.select(
        "SELECT id FROM practitioners WHERE active = 1"))
    sandbox.world.set_practitioner_active(order[0], False)
    assert order[0] not in get(sandbox, sandbox_session, "/settings").json()[
        "online_bookings"]["practitioner_order"]


def test_account_is_deterministic_per_seed_and_leaves_the_world_alone():
    a, b = Sandbox(seed=9, patients=5), Sandbox(seed=9, patients=40, appointments=50)
    assert a.world.account() == b.world.account()
    c = Sandbox(seed=10)
    assert c.world.account()["subdomain"] != a.world.account()["subdomain"]
    assert c.world.account()["id"] != a.world.account()["id"]
    # the account draws from its own random stream: the clinic's ids are where they were
    assert a.world.account()["key_user_id"] == a.world.clinic.user_ids[0]
    assert a.world.clinic.user_ids[0] == 1_390_000_000_000_000_000


@pytest.mark.parametrize("role", ROLES)
def test_only_roles_that_can_view_settings_read_them(sandbox, sandbox_session, role):
    sandbox.world.set_key_user_role(role)
    user = get(sandbox, sandbox_session, "/user").json()
    assert user["role"] == role
    assert get(sandbox, sandbox_session, f"/users/{user['id']}").json()["role"] == role
    response = get(sandbox, sandbox_session, "/settings")
    if role in ("administrator", "power receptionist"):
        assert response.status_code == 200
        assert response.json()["account"]["subdomain"] == sandbox.world.subdomain
    else:
        assert response.status_code == 403
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.json() == {"message": "Forbidden"}
    public = get(sandbox, sandbox_session, "/settings/public")
    assert public.status_code == 200  # any key may read the public part
    assert public.json()["account"]["subdomain"] == sandbox.world.subdomain


def test_settings_are_read_only(sandbox, sandbox_session):
    for path in ("/settings", "/settings/public"):
        response = sandbox_session.patch(sandbox.base_url + path, json={"account": {}})
        assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"


def test_settings_pass_the_gates_before_the_role(sandbox, sandbox_session):
    sandbox.world.set_key_user_role("receptionist")
    assert requests.get(sandbox.base_url + "/settings", auth=("wrong-au1", ""),
                        headers=sandbox.headers, timeout=5).status_code == 401
    assert requests.get(sandbox.base_url + "/settings", auth=sandbox.auth,
                        timeout=5).status_code == 403  # no User-Agent


def test_renaming_the_account_moves_settings_and_web_links(sandbox, sandbox_session):
    sandbox.world.set_account(name="Harbour Physio", subdomain="harbour-physio")
    account = get(sandbox, sandbox_session, "/settings").json()["account"]
    assert (account["name"], account["subdomain"]) == ("Harbour Physio", "harbour-physio")
    appointment = sandbox.world.book_appointment()
    assert appointment["telehealth_url"].startswith("https://harbour-physio.")
    with pytest.raises(ValidationFailed):
        sandbox.world.set_account(subdomain="Not A Subdomain")
    with pytest.raises(ValidationFailed):
        sandbox.world.set_key_user_role("owner")
    sandbox.reset()
    assert sandbox.world.subdomain != "harbour-physio"
    assert get(sandbox, sandbox_session, "/user").json()["role"] == "administrator"


def test_control_surface_sets_the_role_and_the_account(sandbox, sandbox_session, control):
    assert control("GET", "/user")["role"] == "administrator"
    assert control("POST", "/user", json={"role": "scheduler"})["role"] == "scheduler"
    assert get(sandbox, sandbox_session, "/settings").status_code == 403
    assert get(sandbox, sandbox_session, "/user").json()["role"] == "scheduler"
    control("POST", "/user", 422, json={"role": "owner"})
    control("POST", "/user", json={"role": "power receptionist"})
    assert get(sandbox, sandbox_session, "/settings").status_code == 200
    account = control("POST", "/account", json={"name": "Bayside Osteo", "subdomain": "bayside"})
    assert account["subdomain"] == "bayside" and ID.match(account["id"])
    assert control("GET", "/account")["name"] == "Bayside Osteo"
    assert control("GET", "/")["account"] == {"name": "Bayside Osteo", "subdomain": "bayside"}
    assert get(sandbox, sandbox_session, "/settings/public").json()["account"]["subdomain"] == \
        "bayside"
    assert control("POST", "/account", 422, json={"subdomain": "-bad-"})["errors"] == {
        "subdomain": "is invalid"}
    control("POST", "/account", 400, json={"shard": "au2"})
    control("POST", "/reset")
    assert control("GET", "/user")["role"] == "administrator"
    assert control("GET", "/account")["subdomain"] != "bayside"


def test_start_up_account_settings_survive_resets():
    sandbox = Sandbox(seed=3, subdomain="harbour", account_name="Harbour Physio")
    assert (sandbox.world.account()["subdomain"], sandbox.world.account()["name"]) == (
        "harbour", "Harbour Physio")
    assert sandbox.world.account()["email_from"] == "reception@harbour.example"
    sandbox.world.set_account(subdomain="elsewhere")
    sandbox.reset(seed=4)
    assert sandbox.world.account()["subdomain"] == "harbour"
    with pytest.raises(ValidationFailed):
        Sandbox(subdomain="Harbour Physio")


def test_a_kept_database_keeps_its_account(tmp_path):
    path = str(tmp_path / "sandbox.sqlite")
    first = Sandbox(db=path, seed=8, subdomain="kept-clinic")
    first.world.set_key_user_role("receptionist")
    account = first.world.account()
    first.store.conn.close()
    again = Sandbox(db=path, keep_db=True, seed=99)
    assert again.world.account() == account
    assert again.world.key_user()["role"] == "receptionist"
    assert not again.world.can_view_settings()


def test_a_kept_database_from_before_accounts_gets_one(tmp_path):
    path = str(tmp_path / "old.sqlite")
    Sandbox(db=path, seed=8).store.conn.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE account")
    again = Sandbox(db=path, keep_db=True, seed=8)
    assert again.world.account()["subdomain"] == Sandbox(seed=8).world.account()["subdomain"]
    assert again.world.key_user()["role"] == "administrator"


def test_create_app_reads_the_account_from_the_environment(monkeypatch):
    from cliniko_sandbox import create_app

    monkeypatch.setenv("CLINIKO_SANDBOX_SUBDOMAIN", "env-clinic")
    monkeypatch.setenv("CLINIKO_SANDBOX_ACCOUNT_NAME", "Env Clinic")
    monkeypatch.setenv("CLINIKO_SANDBOX_PATIENTS", "0")
    account = create_app().world.account()
    assert (account["subdomain"], account["name"]) == ("env-clinic", "Env Clinic")
