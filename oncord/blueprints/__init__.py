"""One blueprint per area; `register_blueprints` wires them all."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from oncord.blueprints import auth, contacts, dashboard, health, integrations, jobs_dashboard, users
    from oncord.blueprints import automations, consent_export, marketing_templates, messages, messaging_settings
    from oncord.blueprints import campaigns, public_site, suppressions, unsubscribe, webhooks, website
    from oncord.blueprints import campaign_audience

    app.register_blueprint(auth.bp)
    app.register_blueprint(contacts.bp)
    app.register_blueprint(integrations.bp)
    app.register_blueprint(messaging_settings.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(users.bp)
    jobs_dashboard.register(app)
    app.register_blueprint(marketing_templates.bp)
    app.register_blueprint(messages.bp)
    app.register_blueprint(automations.bp)
    app.register_blueprint(campaigns.bp)
    app.register_blueprint(campaign_audience.bp)
    app.register_blueprint(suppressions.bp)
    app.register_blueprint(website.bp)
    app.register_blueprint(unsubscribe.bp)
    app.register_blueprint(consent_export.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(public_site.bp)  # last: its `/<slug>` yields to every fixed path
