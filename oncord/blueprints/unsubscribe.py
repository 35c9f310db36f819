"""Public unsubscribe pages: GET only shows a question, the page's POST (or RFC 8058's one-click POST) acts.

Mail scanners follow links, so a GET never changes anything. Mail clients' one-click POSTs carry
no cookies, so that endpoint is exempt from CSRF and trusts the signed token alone (rate-limited).
"""
from __future__ import annotations

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for

from oncord.access import public
from oncord.extensions import csrf, db, limiter
from oncord.forms.unsubscribe import ConfirmUnsubscribeForm
from oncord.messaging import unsubscribe
from oncord.models import ConsentSource
from oncord.sync import outbox
from oncord.website import security

bp = Blueprint("unsubscribe", __name__, url_prefix="/unsubscribe")


def _per_address():
    return current_app.config["UNSUBSCRIBE_RATE_LIMIT_PER_ADDRESS"]


def _per_link():
    return current_app.config["UNSUBSCRIBE_RATE_LIMIT_PER_LINK"]


def _token_key() -> str:
    return "unsubscribe-link:" + (request.view_args or {}).get("token", "")


@bp.route("/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # checked below by the form, so a stale page gets a second chance instead of an error
@limiter.limit(_per_address, methods=["POST"], scope="unsubscribe-address")
def confirm(token: str):
    request_, contact = _read(token)
    if contact is None:
        return _page("unsubscribe/invalid.html", status=404)
    form = ConfirmUnsubscribeForm()
    already = unsubscribe.is_unsubscribed(contact, request_.channel)
    if request.method == "POST":
        if not form.validate_on_submit():
            return _page("unsubscribe/confirm.html", form=form, request_=request_, expired=True, status=400)
        _unsubscribe(request_, contact, ConsentSource.UNSUBSCRIBE_PAGE)
        return _page("unsubscribe/done.html", request_=request_, already=already)
    if already:
        return _page("unsubscribe/done.html", request_=request_, already=True)
    return _page("unsubscribe/confirm.html", form=form, request_=request_)


@bp.route("/one-click/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # RFC 8058: the mail client's POST has no cookies, so no CSRF token can exist
@limiter.limit(_per_address, methods=["POST"], scope="unsubscribe-address")
@limiter.limit(_per_link, methods=["POST"], key_func=_token_key, scope="unsubscribe-link")
def one_click(token: str):
    """A client that does not speak RFC 8058 opens the header's address: show the confirm page."""
    if request.method == "GET":
        return redirect(url_for("unsubscribe.confirm", token=token))
    request_, contact = _read(token)
    if contact is None:
        return "This unsubscribe link is not valid.\n", 404, {"Content-Type": "text/plain; charset=utf-8"}
    _unsubscribe(request_, contact, ConsentSource.ONE_CLICK)
    return "Unsubscribed.\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


def _read(token: str):
    try:
        request_ = unsubscribe.read_token(token)
    except unsubscribe.BadToken:
        return None, None
    return request_, unsubscribe.contact_of(request_)


def _unsubscribe(request_, contact, source: ConsentSource) -> None:
    change = unsubscribe.apply(request_, contact, source=source, ip_address=request.remote_addr,
                               user_agent=request.headers.get("User-Agent"))
    db.session.commit()
    if change is not None:
        outbox.queue_push(contact)  # Cliniko hears of it in the next push


def _page(template: str, status: int = 200, **context):
    response = make_response(render_template(
        template, clinic_name=unsubscribe.clinic_name(), navigation=[], current_page=None,
        channel_words=unsubscribe.CHANNEL_WORDS, **context), status)
    return security.apply_public_headers(response)
