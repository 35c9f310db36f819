"""Settings > Erased people (admins): the suppressions erasing left, and lifting one."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from oncord.access import admin_required
from oncord.contacts import data_subject
from oncord.extensions import db
from oncord.models import User

bp = Blueprint("suppressions", __name__, url_prefix="/settings/erased")


@bp.get("/")
@admin_required
def index():
    rows = data_subject.list_suppressions()
    user_ids = {i for row in rows for i in (row.created_by_user_id, row.lifted_by_user_id) if i}
    users = {u.id: u for u in db.session.query(User).filter(User.id.in_(user_ids))} if user_ids else {}
    return render_template("suppressions/index.html", suppressions=rows, users=users)


@bp.get("/<int:suppression_id>/lift")
@admin_required
def confirm_lift(suppression_id: int):
    return render_template("suppressions/lift.html", suppression=_get(suppression_id))


@bp.post("/<int:suppression_id>/lift")
@admin_required
def lift(suppression_id: int):
    if data_subject.lift_suppression(_get(suppression_id), user_id=current_user.id):
        db.session.commit()
        flash("Lifted. Messages may go to this person again, and the next full sync brings the patient back "
              "from Cliniko.", "success")
    else:
        flash("That suppression was already lifted.", "warning")
    return redirect(url_for("suppressions.index"))


def _get(suppression_id: int):
    try:
        return data_subject.get_suppression(suppression_id)
    except data_subject.SuppressionNotFound:
        abort(404)
