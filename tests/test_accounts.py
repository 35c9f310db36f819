import pytest

from oncord import accounts
from oncord.models import Role


def test_create_user_normalises_email_and_hashes(db):
    user = accounts.create_user("  Mia@Clinic.Example ", "Mia", "a long password", Role.STAFF)
    assert user.email == "mia@clinic.example"
    assert "a long password" not in user.password_hash
    assert accounts.authenticate("MIA@clinic.example", "a long password") is user


@pytest.mark.parametrize("email,password,message", [
    ("nope", "a long password", "email"),
    ("ok@clinic.example", "short", "10 characters"),
])
def test_create_user_refuses_bad_input(db, email, password, message):
    with pytest.raises(accounts.AccountError, match=message):
        accounts.create_user(email, "X", password)


def test_session_ids_carry_a_version(db, make_user):
    user = make_user()
    session_id = accounts.start_session(user)
    assert accounts.load_session_user(session_id) is user
    accounts.set_password(user, "another long one")
    assert accounts.load_session_user(session_id) is None
    assert accounts.load_session_user(accounts.start_session(user)) is user
    assert accounts.load_session_user("garbage") is None


def test_ending_a_session_ends_only_that_one(db, make_user):
    """Signing out on one device leaves the user's other devices signed in."""
    user, other_user = make_user(), make_user()
    laptop, phone = accounts.start_session(user), accounts.start_session(user)
    theirs = accounts.start_session(other_user)
    db.session.commit()
    accounts.end_session(accounts.load_session_user(laptop))
    db.session.commit()
    assert accounts.load_session_user(laptop) is None
    assert accounts.load_session_user(phone) is user and accounts.load_session_user(theirs) is other_user


@pytest.mark.parametrize("forged", [
    "{id}:{version}", "{id}:{version}:", "{id}:{version}:not-a-token", "{other}:{version}:{token}",
    "{id}:{version}:{token}:x", "99999999999999999999:1:{token}", ":1:{token}",
])
def test_session_ids_that_name_no_session_load_nobody(db, make_user, forged):
    user, other = make_user(), make_user()
    token = accounts.start_session(user).rsplit(":", 1)[1]
    db.session.commit()
    session_id = forged.format(id=user.id, other=other.id, version=user.session_version, token=token)
    assert accounts.load_session_user(session_id) is None


def test_deactivating_ends_every_session(db, make_user):
    admin, user = make_user(Role.ADMIN), make_user()
    session_id = accounts.start_session(user)
    db.session.commit()
    accounts.set_active(user, False, acting=admin)
    accounts.set_active(user, True, acting=admin)
    db.session.commit()
    assert accounts.load_session_user(session_id) is None


def test_one_active_admin_always_remains(db, make_user):
    admin = make_user(Role.ADMIN)
    second = make_user(Role.ADMIN)
    accounts.change_role(second, Role.STAFF, acting=admin)
    with pytest.raises(accounts.AccountError):
        accounts.change_role(admin, Role.STAFF, acting=admin)
    with pytest.raises(accounts.AccountError):
        accounts.set_active(admin, False, acting=second)
