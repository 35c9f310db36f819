"""Settings > Messaging: how email and SMS go out, and a test of each (admins only)."""
from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from htmx_flask import request

from oncord.extensions import db
from oncord.forms.messaging_settings import MessagingSettingsForm
from oncord.messaging import test_sends
from oncord.messaging.settings import (ENVIRONMENT_VARIABLES, SECRETS, EffectiveSettings, SettingsError,
                                       effective_settings, missing_sender_identity, save_settings, saved_settings)

bp = Blueprint("messaging_settings", __name__, url_prefix="/settings/messaging")


@bp.get("/")
def index():
    return _page(_form(obj=saved_settings()))


@bp.post("/")
def save():
    form = _form()
    if not form.validate_on_submit():
        return _page(form), 422
    clear = {name for name, box in (("smtp_password", form.clear_smtp_password),
                                    ("twilio_auth_token", form.clear_twilio_auth_token)) if box.data}
    save_settings(form.values(), clear=frozenset(clear), locked=form.locked)
    db.session.commit()
    flash("Messaging settings saved.", "success")
    return redirect(url_for("messaging_settings.index"))


@bp.post("/test-email")
def test_email():
    return _test_result("email", lambda: test_sends.send_test_email(current_user.email))


@bp.post("/test-sms")
def test_sms():
    number = request.form.get("to", "")
    return _test_result("sms", lambda: test_sends.send_test_sms(number), number=number)


def _test_result(channel: str, send, number: str = ""):
    """The server's answer or the reason, as a fragment (HTMX) or on the whole page."""
    try:
        result, error = send(), None
    except test_sends.TestSendFailed as exc:
        result, error = None, str(exc)
    context = {"channel": channel, "result": result, "error": error, "number": number}
    if request.htmx:
        return render_template("messaging_settings/_test_result.html", **context)
    return _page(_form(obj=saved_settings()), test=context), 422 if error else 200


def _form(**kwargs) -> MessagingSettingsForm:
    return MessagingSettingsForm(locked=_effective()[0].from_environment, **kwargs)


def _effective():
    """The settings in force, and what is wrong with the environment's, if anything."""
    try:
        return effective_settings(), None
    except SettingsError as exc:
        return EffectiveSettings(), str(exc)


def _page(form: MessagingSettingsForm, test: dict | None = None):
    settings, settings_error = _effective()
    for name in form.locked - set(SECRETS):  # show what the environment set
        getattr(form, name).data = getattr(settings, name)
    response = make_response(render_template(
        "messaging_settings/index.html", form=form, settings=settings, settings_error=settings_error,
        environment=ENVIRONMENT_VARIABLES, missing_identity=missing_sender_identity(settings), **(test or {})))
    response.headers["Cache-Control"] = "no-store"
    return response
