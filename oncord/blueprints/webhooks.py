"""Callbacks from Twilio: no login and no CSRF cookie, so each request must carry Twilio's signature.

The signature covers the URL Twilio called, which is PUBLIC_URL plus the path: behind a proxy
the request's own host differs, so ONCORD_PUBLIC_URL must match the URL configured in Twilio.
A bad or missing signature gets 403 before anything is read or written.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, abort, request
from twilio.request_validator import RequestValidator

from oncord.access import public
from oncord.extensions import csrf, db
from oncord.messaging import delivery_reports, sms_keywords
from oncord.messaging.settings import effective_settings
from oncord.urls import external_url

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def signed_by_twilio(view):
    """403 unless X-Twilio-Signature is Twilio's signature of the public URL and the form, by our auth token."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        token = effective_settings().twilio_auth_token
        signature = request.headers.get("X-Twilio-Signature", "")
        url = external_url(request.endpoint)
        if not token or not signature or not RequestValidator(token).validate(url, request.form, signature):
            abort(403)
        return view(*args, **kwargs)
    return wrapper


@bp.post("/twilio/status")
@public
@csrf.exempt
@signed_by_twilio
def twilio_status():
    sid = request.form.get("MessageSid", "").strip()
    if not sid:
        abort(400, "MessageSid is missing.")
    delivery_reports.apply_status(sid, request.form.get("MessageStatus", ""), request.form.get("ErrorCode") or None)
    return Response("", 204)


@bp.post("/twilio/sms")
@public
@csrf.exempt
@signed_by_twilio
def twilio_sms():
    sid, number = request.form.get("MessageSid", "").strip(), request.form.get("From", "").strip()
    if not sid or not number:
        abort(400, "MessageSid and From are required.")
    outcome = sms_keywords.receive(sid[:64], number[:32], request.form.get("Body", ""))
    db.session.commit()
    sms_keywords.queue_cliniko_pushes(outcome.changed)
    return Response(EMPTY_TWIML, 200, content_type="text/xml")  # Twilio itself answers STOP and START
