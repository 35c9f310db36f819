"""Who may see what: every endpoint needs a signed-in user unless marked public.

Access is denied by default in one `before_request` hook, so a new view cannot be
left open by a forgotten decorator. Admin-only areas are whole blueprints.
"""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user
from htmx_flask import make_response as htmx_response

from oncord import accounts

ADMIN_BLUEPRINTS = {"users", "integrations", "messaging_settings", "rq_dashboard", "consent_export"}
# Reachable before the first admin exists.
SETUP_ENDPOINTS = {"auth.setup", "health.healthz", "static", "unsubscribe.confirm", "unsubscribe.one_click",
                   "webhooks.twilio_status", "webhooks.twilio_sms"}  # Twilio is never sent to setup


def public(view):
    """Mark a view as reachable without signing in (login, health, public pages)."""
    view.is_public = True
    return view


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def is_public_endpoint(app: Flask, endpoint: str | None) -> bool:
    if endpoint is None:
        return True  # 404s and 405s: nothing to protect
    if endpoint == "static" or endpoint.endswith(".static") and endpoint != "rq_dashboard.static":
        return True
    return getattr(app.view_functions.get(endpoint), "is_public", False)


def unauthorized_response():
    """Pages redirect to login; HTMX and JSON callers get 401 (HTMX is told where to go)."""
    login_url = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if request.htmx:
        return htmx_response("", 401, redirect=login_url)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error="authentication required"), 401
    return redirect(login_url)


def init_app(app: Flask) -> None:
    @app.before_request
    def require_login():
        endpoint = request.endpoint
        if endpoint not in SETUP_ENDPOINTS and not current_user.is_authenticated and not accounts.has_users():
            return redirect(url_for("auth.setup"))
        if is_public_endpoint(app, endpoint):
            return None
        if not current_user.is_authenticated:
            return unauthorized_response()
        if request.blueprint in ADMIN_BLUEPRINTS and not current_user.is_admin:
            abort(403)
        return None
