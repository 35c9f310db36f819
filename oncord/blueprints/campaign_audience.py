"""Marketing > Audience: the audience builder's live count, ready-made audiences, and a page to try them.

The campaign editor embeds `campaigns/_audience_builder.html`; this blueprint answers its HTMX calls.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from htmx_flask import request

from oncord.campaigns import audience, audience_form
from oncord.campaigns.audience import PRESETS
from oncord.extensions import db

bp = Blueprint("campaign_audience", __name__, url_prefix="/marketing/audience")
CHANNELS = {"email": "Email", "sms": "SMS"}


@bp.get("/")
def index():
    """Try conditions without a campaign: who would an email or SMS reach today?"""
    return render_template("campaigns/audience.html", channels=CHANNELS, channel="email",
                           **audience_form.builder_context())


@bp.post("/count")
def count():
    channel = request.form.get("channel", "email")
    errors = {} if channel in CHANNELS else {"channel": "Choose email or SMS."}
    conditions = None
    try:
        conditions = audience_form.conditions_from_form(request.form)
    except audience_form.AudienceFormError as problem:
        errors |= problem.errors
    if errors:
        # HTMX swaps only 2xx answers: the errors must replace the count to be seen.
        status = 200 if request.htmx else 422
        return render_template("campaigns/_audience_count.html", errors=errors, found=None), status
    found = audience.count(conditions, channel)
    db.session.commit()  # keeps addresses worked out for the count (address_checks)
    return render_template("campaigns/_audience_count.html", errors={}, found=found, channel=channel,
                           conditions=conditions, lines=conditions.describe(),
                           health=conditions.uses_health_information())


@bp.get("/preset/<key>")
def preset(key: str):
    if key not in PRESETS:
        abort(404)
    return render_template("campaigns/_audience_builder.html",
                           **audience_form.builder_context(PRESETS[key][1]))
