"""The clinic's public website: published pages at `/<slug>`, the home page at `/`.

Nothing here sends a visitor to the staff login: without a published home page, `/` shows a
plain welcome page with the clinic's name (and its Book Now button when bookings are set up).
"""
from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, url_for
from markupsafe import Markup
from flask_login import current_user

from oncord.access import public
from oncord.sync.connection import get_connection
from oncord.website import blocks, pages, security

bp = Blueprint("public_site", __name__)


@bp.get("/")
@public
def home():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    page = pages.home_page()
    if page is None:
        return _render_public("public/welcome.html")
    return render_site_page(page)


@bp.get("/<slug>")
@public
def show(slug: str):
    page = pages.published_page(slug)
    if page is None:
        return _render_public("public/not_found.html", status=404)
    return render_site_page(page)


def render_site_page(page, *, preview: bool = False):
    """A page in the public theme, with the public CSP (the staff preview uses it too)."""
    return _render_public("public/page.html", page=page, preview=preview, current_page=page)


def _render_public(template: str, status: int = 200, **context):
    connection = get_connection()
    response = make_response(render_template(
        template, clinic_name=clinic_name(connection), navigation=pages.navigation(),
        booking_url=connection.booking_url if connection else None, **context,
    ), status)
    return security.apply_public_headers(response, security.cliniko_host(connection))


def clinic_name(connection) -> str:
    return (connection.account_name if connection else None) or "Our clinic"


@bp.app_template_global("cliniko_embed")
def _cliniko_embed(block):
    return blocks.cliniko_embed(block)


@bp.app_template_global("embed_hosts")
def _embed_hosts(block):
    return blocks.embed_hosts(block)


@bp.app_template_global("button_href")
def _button_href(block):
    return blocks.button_href(block)


@bp.app_template_global("booking_href")
def _booking_href(block, booking_url):
    return blocks.booking_href(block, booking_url)


@bp.app_template_filter("embed_html")
def _embed_html(code):
    return Markup(blocks.embed_html(code or ""))
