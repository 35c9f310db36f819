"""Sign in, sign out, first-run setup and the signed-in user's own account."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from oncord import accounts
from oncord.access import public
from oncord.extensions import db, limiter
from oncord.forms.auth import ChangePasswordForm, LoginForm, SetupForm
from oncord.models import Role

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "That email and password do not match an active account."
TOO_MANY_ATTEMPTS = "Too many sign-in attempts. Wait a few minutes, then try again."


def _login_failed(response) -> bool:
    return response.status_code != 302


def _submitted_email() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"], methods=["POST"], scope="login-address")
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_submitted_email,
    deduct_when=_login_failed,
    scope="login-account",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        flash(LOGIN_FAILED, "error")
    return render_template("auth/login.html", form=form), (200 if request.method == "GET" else 401)


@bp.app_errorhandler(429)
def too_many_requests(error):
    if request.endpoint == "auth.login":
        flash(TOO_MANY_ATTEMPTS, "error")
        return render_template("auth/login.html", form=LoginForm()), 429
    return render_template("error.html", title="Slow down", message="Too many requests. Wait a moment, then try again."), 429


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    """The first administrator; closed for good once any user exists."""
    if accounts.has_users():
        return redirect(url_for("auth.login"))
    form = SetupForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.name.data, form.password.data, Role.ADMIN)
        except accounts.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(user)
            flash("Welcome to oncord. Your administrator account is ready.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/setup.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("This is not your current password.")
        else:
            accounts.set_password(current_user, form.password.data)
            db.session.commit()
            login_user(current_user)  # the session id changed with the password
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


def _safe_next(target: str | None) -> str:
    """Only local paths: never send someone to another site after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("dashboard.index")
