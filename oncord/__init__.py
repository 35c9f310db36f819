"""oncord: a self-hosted clinic CRM and marketing app with a Cliniko integration."""
from __future__ import annotations

import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, render_template
from werkzeug.middleware.proxy_fix import ProxyFix

__version__ = "0.1.0"


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app; `overrides` (tests, tools) win over the environment."""
    from oncord import access, accounts, background, cli, routing
    from oncord.automations import clinic_time
    from oncord.blueprints import register_blueprints
    from oncord.config import engine_options, load_config
    from oncord.database import configure_sqlite, include_in_autogenerate
    from oncord.extensions import csrf, db, htmx, limiter, login_manager, migrate

    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.config.update(load_config(app.instance_path))
    app.config.update(overrides or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config.get("SQLALCHEMY_ENGINE_OPTIONS"))
    clinic_time.parse_quiet_hours(app.config["AUTOMATION_QUIET_HOURS"])  # a clear error now, not in every tick
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1, x_host=1)

    routing.init_app(app)  # first: its NUL check runs before every other hook
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"), render_as_batch=True,
                     include_object=include_in_autogenerate)
    csrf.init_app(app)
    htmx.init_app(app)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["RQ_QUEUE_PREFIX"] + ":limits")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(accounts.load_session_user)
    login_manager.unauthorized_handler(access.unauthorized_response)

    access.init_app(app)
    background.init_app(app)
    from oncord.website import security
    security.init_app(app)
    register_blueprints(app)
    cli.register(app)
    _register_template_helpers(app)
    return app


def _register_template_helpers(app: Flask) -> None:
    zone = ZoneInfo(app.config["CLINIC_TIMEZONE"])

    @app.template_filter("local_time")
    def local_time(value, fmt: str = "%-d %b %Y, %-I:%M %p"):
        """Stored times are UTC; staff read them in the clinic's zone."""
        return "" if value is None else value.astimezone(zone).strftime(fmt)

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("error.html", title="Not allowed", message="This page is for administrators."), 403

    @app.errorhandler(404)
    def not_found(error):
        return render_template("error.html", title="Not found", message="There is nothing at this address."), 404

    @app.errorhandler(400)
    def bad_request(error):
        message = getattr(error, "description", None) or "The request could not be understood."
        return render_template("error.html", title="Request refused", message=message), 400
