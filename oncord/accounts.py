"""Staff accounts: creating, authenticating and administering users.

Plain functions over the `User` model; callers own the transaction and commit.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from werkzeug.security import generate_password_hash

from oncord.extensions import db
from oncord.models import Role, User, UserSession
from oncord.timestamps import utcnow

MIN_PASSWORD_LENGTH = 10
# Sessions never signed out (a closed laptop) are forgotten once older than any remember cookie.
FORGET_SESSIONS_AFTER = timedelta(days=400)
# Compared against when the email is unknown, so both failures cost the same time.
_dummy_hash_value: str | None = None


class AccountError(Exception):
    """A request about accounts that cannot be carried out; the message is for the user."""


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(str(exc)) from exc


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


def has_users() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, name: str, password: str, role: Role | str = Role.STAFF) -> User:
    email = normalise_email(email)
    check_password_rules(password)
    if find_by_email(email) is not None:
        raise AccountError("A user with this email address already exists.")
    user = User(email=email, name=name.strip() or email, role=Role(role).value, active=True, session_version=0)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; unknown email and wrong password look alike."""
    user = find_by_email(email or "")
    if user is None:
        User(password_hash=_dummy_hash()).check_password(password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def start_session(user: User) -> str:
    """A new signed-in browser for `user`; returns the session id to hand to Flask-Login."""
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.created_at < utcnow() - FORGET_SESSIONS_AFTER))
    db.session.add(UserSession(user_id=user.id, token_hash=_token_hash(token)))
    user.session_token = token
    return user.get_id()


def end_session(user: User) -> None:
    """Sign out the browser `user` was loaded through; other browsers stay signed in."""
    if user.session_token is not None:
        db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                     UserSession.token_hash == _token_hash(user.session_token)))
        user.session_token = None


def count_other_sessions(user: User) -> int:
    """Browsers other than this one where `user` is signed in."""
    return db.session.scalar(select(func.count(UserSession.id)).where(
        UserSession.user_id == user.id, UserSession.token_hash != _token_hash(user.session_token or ""))) or 0


def end_other_sessions(user: User) -> None:
    """Sign `user` out on every other browser, keeping this one (a lost phone, a shared computer)."""
    db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.token_hash != _token_hash(user.session_token or "")))


def end_all_sessions(user: User) -> None:
    """Sign `user` out everywhere: every session row goes, and the version makes old ids useless."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.session_version = (user.session_version or 0) + 1
    user.session_token = None


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader, for the session and the remember cookie alike: the id names a
    session row, so a signed-out session (or its captured cookie) no longer loads anyone."""
    parts = session_id.split(":")
    if len(parts) != 3:
        return None
    user_id, version, token = parts
    if not user_id.isdigit() or not version.isdigit() or not token or len(user_id) > 10:
        return None
    user = db.session.scalar(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == int(user_id), UserSession.token_hash == _token_hash(token))
    )
    if user is None or not user.active or user.session_version != int(version):
        return None
    user.session_token = token
    return user


def change_role(user: User, role: Role | str, acting: User) -> None:
    role = Role(role)
    if user.is_admin and role is not Role.ADMIN:
        _keep_one_admin(user, "demote")
    user.role = role.value


def set_active(user: User, active: bool, acting: User) -> None:
    if not active:
        if user.id == acting.id:
            raise AccountError("You cannot deactivate your own account.")
        if user.is_admin:
            _keep_one_admin(user, "deactivate")
        end_all_sessions(user)
    user.active = active


def set_password(user: User, password: str) -> None:
    """Also signs the user out everywhere; the caller starts a new session for this browser."""
    check_password_rules(password)
    user.set_password(password)
    end_all_sessions(user)


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), func.lower(User.name))))


def _keep_one_admin(user: User, verb: str) -> None:
    others = db.session.scalar(
        select(func.count(User.id)).where(User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id)
    )
    if not others:
        raise AccountError(f"You cannot {verb} the last active administrator.")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _dummy_hash() -> str:
    global _dummy_hash_value
    if _dummy_hash_value is None:
        _dummy_hash_value = generate_password_hash("not a real password")
    return _dummy_hash_value
