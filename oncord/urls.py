"""Absolute addresses for links that leave the browser: in emails, SMS and provider callbacks.

Jobs have no request to take a host from, and a request's own host may be an internal
name behind a proxy, so these always start from PUBLIC_URL (ONCORD_PUBLIC_URL).
"""
from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """`url_for(endpoint, **values)` as seen from outside: PUBLIC_URL plus the path."""
    with current_app.test_request_context("/"):  # url_for needs a request context in jobs too
        path = url_for(endpoint, **values)
    return current_app.config["PUBLIC_URL"] + path
