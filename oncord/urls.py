"""Absolute addresses for links that leave the browser: in emails, SMS and provider callbacks.

Jobs have no request to take a host from, and a request's own host may be an internal
name behind a proxy, so these always start from PUBLIC_URL (ONCORD_PUBLIC_URL).
"""
from __future__ import annotations

from flask import current_app
from werkzeug.routing import MapAdapter


def external_url(endpoint: str, **values) -> str:
    """`url_for(endpoint, **values)` as seen from outside: PUBLIC_URL plus the path.

    Built with a URL adapter of the app's own rather than a request context per link: a
    campaign makes one unsubscribe link per message, and a request context cost more than
    the rest of the link together.
    """
    app = current_app._get_current_object()
    app.inject_url_defaults(endpoint, values)
    return app.config["PUBLIC_URL"] + _adapter(app).build(endpoint, values)


def _adapter(app) -> MapAdapter:
    """The routes bound to no particular host (only the path is used); derived from the app, made once per app."""
    adapter = app.extensions.get("oncord_url_adapter")
    if adapter is None:
        adapter = app.extensions["oncord_url_adapter"] = app.url_map.bind(
            "localhost", script_name=app.config.get("APPLICATION_ROOT") or "/")
    return adapter
