"""The staff home page (`/` belongs to the public site): where the clinic stands and what to do next."""
from flask import Blueprint, render_template
from flask_login import current_user

from oncord.getting_started import checklist, staff_summary

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
def index():
    if not current_user.is_admin:  # setup steps are for whoever runs the install
        return render_template("dashboard/index.html", summary=staff_summary())
    steps = checklist(is_admin=True)
    return render_template("dashboard/index.html", steps=steps, remaining=sum(not s.done for s in steps))
