"""One blueprint per area; `register_blueprints` wires them all."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from oncord.blueprints import auth, contacts, dashboard, health, integrations, jobs_dashboard, users
    from oncord.blueprints import messaging_settings, public_site, website

    app.register_blueprint(auth.bp)
    app.register_blueprint(contacts.bp)
    app.register_blueprint(integrations.bp)
    app.register_blueprint(messaging_settings.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(users.bp)
    jobs_dashboard.register(app)
    app.register_blueprint(website.bp)
    app.register_blueprint(public_site.bp)  # last: its `/<slug>` yields to every fixed path
