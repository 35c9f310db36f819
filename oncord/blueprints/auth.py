"""Sign in, sign out, first-run setup and the signed-in user's own account."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from oncord import accounts
from oncord.access import public
from oncord.extensions import db, limiter
from oncord.forms.auth import ChangePasswordForm, LoginForm, SetupForm
from oncord.models import Role
from oncord.redirects import safe_next_path

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "That email and password do not match an active account."
TOO_MANY_ATTEMPTS = "Too many sign-in attempts. Wait a few minutes, then try again."
TOO_MANY_PASSWORD_CHECKS = "Too many wrong current passwords. Wait a few minutes, then try again."
WRONG_CURRENT_PASSWORD = "This is not your current password."


def _login_failed(response) -> bool:
    return response.status_code != 302


def _submitted_email() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


def _own_email() -> str:
    """Per account, as for sign-in: a borrowed session gets no more guesses from a second address."""
    return "account:" + (current_user.email if current_user.is_authenticated else "").strip().lower()


def _password_check_failed(response) -> bool:
    return g.get("wrong_current_password", False)


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
            accounts.start_session(user)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next_path(request.args.get("next")) or url_for("dashboard.index"))
        flash(LOGIN_FAILED, "error")
    return render_template("auth/login.html", form=form), (200 if request.method == "GET" else 401)


@bp.app_errorhandler(429)
def too_many_requests(error):
    if request.endpoint == "auth.login":
        flash(TOO_MANY_ATTEMPTS, "error")
        return render_template("auth/login.html", form=LoginForm()), 429
    if request.endpoint == "auth.account":
        form = ChangePasswordForm()
        form.current_password.errors = [TOO_MANY_PASSWORD_CHECKS]
        return _account_page(form), 429
    return render_template("error.html", title="Slow down", message="Too many requests. Wait a moment, then try again."), 429


@bp.post("/logout")
def logout():
    """Ends this browser's session on the server too: a copied session or remember cookie stops working."""
    accounts.end_session(current_user._get_current_object())
    db.session.commit()
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
            accounts.start_session(user)
            db.session.commit()
            login_user(user)
            flash("Welcome to oncord. Your administrator account is ready.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/setup.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
# The sign-in limits, counting wrong current passwords only: a borrowed session cannot guess freely.
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_password_check_failed,
    scope="password-check-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_own_email,
    deduct_when=_password_check_failed,
    scope="password-check-account",
)
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            g.wrong_current_password = True
            form.current_password.errors.append(WRONG_CURRENT_PASSWORD)
        else:
            user = current_user._get_current_object()
            accounts.set_password(user, form.password.data)  # signs out every session
            accounts.start_session(user)
            db.session.commit()
            login_user(user)  # this browser, in a new session
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(form)


@bp.post("/account/sign-out-others")
def sign_out_other_devices():
    accounts.end_other_sessions(current_user._get_current_object())
    db.session.commit()
    flash("You are signed out on every other device.", "success")
    return redirect(url_for("auth.account"))


def _account_page(form: ChangePasswordForm):
    return render_template("auth/account.html", form=form,
                           other_sessions=accounts.count_other_sessions(current_user._get_current_object()))

