"""Staff accounts: who may sign in, and whether they may administer the clinic."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class Role(str, enum.Enum):
    ADMIN = "admin"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return {"admin": "Administrator", "staff": "Staff"}[self.value]


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.STAFF.value)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped (and every UserSession row deleted) when the password changes or the account is
    # deactivated: old sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    # The browser session this object was signed in or loaded through (see accounts.start_session).
    session_token = None  # str | None; not a column

    def get_id(self) -> str:
        """Flask-Login's session id, also carried by the remember cookie: ending the session ends both."""
        if self.session_token is None:
            raise RuntimeError("No browser session: call accounts.start_session(user) before signing in")
        return f"{self.id}:{self.session_version}:{self.session_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(db.Model):
    """One signed-in browser: deleting the row signs that browser out, remember cookie included."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token in the cookie: a copy of the database alone cannot sign anyone in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
