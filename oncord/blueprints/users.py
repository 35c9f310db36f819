"""Settings > Users: administrators add staff, change roles, reset passwords, deactivate."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from htmx_flask import request
from flask_login import current_user

from oncord import accounts
from oncord.extensions import db
from oncord.forms.users import NewUserForm, ResetPasswordForm, RoleForm
from oncord.models import User

bp = Blueprint("users", __name__, url_prefix="/settings/users")


@bp.route("/", methods=["GET", "POST"])
def index():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.name.data, form.password.data, form.role.data)
        except accounts.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{user.name} can now sign in with {user.email}.", "success")
            return redirect(url_for("users.index"))
    return render_template("users/index.html", form=form, users=accounts.list_users())


@bp.post("/<int:user_id>/role")
def change_role(user_id: int):
    user, form = _get_user(user_id), RoleForm()
    if not form.validate_on_submit():
        return _answer(user, error="Choose a role from the list.")
    return _apply(user, accounts.change_role, form.role.data, current_user)


@bp.post("/<int:user_id>/deactivate")
def deactivate(user_id: int):
    return _apply(_get_user(user_id), accounts.set_active, False, current_user)


@bp.post("/<int:user_id>/reactivate")
def reactivate(user_id: int):
    return _apply(_get_user(user_id), accounts.set_active, True, current_user)


@bp.post("/<int:user_id>/password")
def reset_password(user_id: int):
    user, form = _get_user(user_id), ResetPasswordForm()
    if not form.validate_on_submit():
        return _answer(user, error=" ".join(form.password.errors) or "Enter a new password.")
    return _apply(user, accounts.set_password, form.password.data,
                  notice=f"Password changed; {user.name} is signed out everywhere.")


def _apply(user: User, change, *args, notice: str = "Saved."):
    """Run an account change and answer with the user's row, or its error."""
    try:
        change(user, *args)
    except accounts.AccountError as exc:
        db.session.rollback()
        return _answer(user, error=str(exc))
    db.session.commit()
    return _answer(user, notice=notice)


def _answer(user: User, error: str | None = None, notice: str | None = None):
    """HTMX swaps the row in place; without JavaScript, back to the list with a message."""
    if not request.htmx:
        flash(error or notice, "error" if error else "success")
        return redirect(url_for("users.index"))
    return render_template("users/_row.html", user=user, error=error, notice=notice)


def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user
