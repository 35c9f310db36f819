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
    session_id = user.get_id()
    assert accounts.load_session_user(session_id) is user
    accounts.set_password(user, "another long one")
    assert accounts.load_session_user(session_id) is None
    assert accounts.load_session_user(user.get_id()) is user
    assert accounts.load_session_user("garbage") is None


def test_one_active_admin_always_remains(db, make_user):
    admin = make_user(Role.ADMIN)
    second = make_user(Role.ADMIN)
    accounts.change_role(second, Role.STAFF, acting=admin)
    with pytest.raises(accounts.AccountError):
        accounts.change_role(admin, Role.STAFF, acting=admin)
    with pytest.raises(accounts.AccountError):
        accounts.set_active(admin, False, acting=second)
