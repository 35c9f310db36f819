"""Marketing > Messages: every message recorded, why some were skipped, and those to check by hand."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from htmx_flask import request

from oncord.contacts.search import InvalidCursor, parse_cursor
from oncord.extensions import db
from oncord.htmx import render_page
from oncord.messaging import listing
from oncord.messaging.settings import effective_settings
from oncord.messaging.settings import missing_sender_identity as settings_missing_identity

bp = Blueprint("messages", __name__, url_prefix="/marketing/messages")


def outbox_channels() -> list[str]:
    """The channels still in outbox mode ("email", "SMS"), for the banner on every marketing page."""
    settings = effective_settings()
    return [label for channel, label in (("email", "email"), ("sms", "SMS")) if settings.outbox(channel)]


def missing_sender_identity() -> list[str]:
    """What marketing email still waits for ("clinic name", "postal address"): said on every marketing page."""
    return settings_missing_identity(effective_settings())


bp.add_app_template_global(outbox_channels, "outbox_channels")
bp.add_app_template_global(missing_sender_identity, "missing_sender_identity")


@bp.context_processor
def _template_helpers():
    return {"preview": listing.preview, "status_label": listing.status_label, "status_tones": listing.STATUS_TONES,
            "via_labels": listing.VIA_LABELS, "kind_labels": listing.KIND_LABELS,
            "source_labels": listing.SOURCE_LABELS, "channel_labels": listing.CHANNELS}


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


@bp.get("/")
def index():
    try:
        filters = listing.parse_filters(request.args, zone=_zone())
        before = parse_cursor(request.args.get("before"))
    except InvalidCursor:
        abort(400, description="That page of messages does not exist. Open Messages again to start from the newest.")
    except ValueError as exc:
        abort(400, description=str(exc))
    page = listing.list_messages(filters, zone=_zone(), before=before)
    response = render_page("messages/index.html", "messages/_rows.html", filters=filters, results=page,
                           filter_args=filters.as_args(), to_check=listing.needs_checking(),
                           check_advice=listing.CHECK_ADVICE, paged=before is not None,
                           source_name=listing.source_name(filters),
                           without_source_id={k: v for k, v in filters.as_args().items() if k != "source_id"})
    if request.htmx:
        response.headers["HX-Push-Url"] = url_for("messages.index", **filters.as_args())
    return response


@bp.get("/<int:message_id>")
def show(message_id: int):
    message = _get_message(message_id)
    return render_template("messages/show.html", message=message, timeline=listing.timeline(message),
                           checked_by=listing.checked_by(message), check_advice=listing.CHECK_ADVICE)


@bp.post("/<int:message_id>/checked")
def mark_checked(message_id: int):
    message = _get_message(message_id)
    if listing.mark_checked(message, current_user.id):
        db.session.commit()
        flash("Marked as checked. The message stays in the list; it will not be sent again.", "success")
    else:
        flash("Only a message whose sending is uncertain can be marked checked, and only once.", "warning")
    return redirect(request.form.get("next") if request.form.get("next") == url_for("messages.index")
                    else url_for("messages.show", message_id=message.id))


def _get_message(message_id: int):
    try:
        return listing.get_message(message_id)
    except listing.MessageNotFound:
        abort(404)
