"""The staff home page (`/` belongs to the public site): where the clinic stands and what to do next."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from oncord.automations.clinic_time import clinic_zone
from oncord.contacts.phones import display_phone
from oncord.dashboard.board import read_board
from oncord.extensions import db
from oncord.getting_started import checklist, staff_summary
from oncord.messaging import sms_keywords
from oncord.models import InboundSms
from oncord.timestamps import utcnow

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
def index():
    """Setup first while it is unfinished (the checklist for admins, the plain summary for staff), then the figures."""
    context = {"cancel_requests": sms_keywords.open_cancel_requests(), "display_phone": display_phone,
               "board": read_board(utcnow(), clinic_zone())}
    if not current_user.is_admin:  # setup steps are for whoever runs the install
        return render_template("dashboard/index.html", summary=staff_summary(), **context)
    steps = checklist(is_admin=True)
    return render_template("dashboard/index.html", steps=steps, remaining=sum(not s.done for s in steps), **context)


@bp.post("/dashboard/cancel-requests/<int:reply_id>/done")
def cancel_request_done(reply_id: int):
    """Dismiss a "may want to cancel" reply; answers the card again (HTMX) or goes back where it was."""
    reply = db.session.get(InboundSms, reply_id) or abort(404)
    sms_keywords.mark_done(reply, current_user.id)
    db.session.commit()
    contact_id = request.form.get("contact_id", type=int)
    if request.headers.get("HX-Request"):
        return render_template("dashboard/_cancel_requests.html", on_contact=contact_id, display_phone=display_phone,
                               cancel_requests=sms_keywords.open_cancel_requests(contact_id))
    if contact_id:
        return redirect(url_for("contacts.show", contact_id=contact_id))
    return redirect(url_for("dashboard.index"))
