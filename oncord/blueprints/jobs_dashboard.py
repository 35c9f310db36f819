"""The RQ dashboard, mounted at /jobs/ for administrators.

rq-dashboard brings its own blueprint and pages; access control comes from
`oncord.access` (the blueprint is listed as admin-only). Its JavaScript posts job
actions with an `X-CSRFToken` header read from the `_csrf_token` cookie, so we hand
it the session's CSRF token in that cookie and keep CSRF checks on for its POSTs.
"""
from flask import Flask, request
from flask_wtf.csrf import generate_csrf
import rq_dashboard
from rq_dashboard.web import setup_rq_connection

URL_PREFIX = "/jobs"


def register(app: Flask) -> None:
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 5000)
    setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=URL_PREFIX)

    @app.after_request
    def hand_csrf_token_to_dashboard(response):
        if request.blueprint == "rq_dashboard" and response.mimetype == "text/html":
            response.set_cookie(
                "_csrf_token",
                generate_csrf(),
                path=URL_PREFIX + "/",
                samesite="Strict",
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
        return response
