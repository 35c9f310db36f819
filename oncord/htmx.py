"""Rendering helpers for pages that HTMX also asks for in pieces."""
from __future__ import annotations

from flask import Response, make_response, render_template
from htmx_flask import request


def render_page(page: str, fragment: str, **context) -> Response:
    """Swaps get the fragment; links, reloads and boosted navigation need the whole page."""
    partial = bool(request.htmx) and not request.htmx.boosted
    response = make_response(render_template(fragment if partial else page, **context))
    response.vary.add("HX-Request")  # one URL, two bodies: keep caches apart
    return response
