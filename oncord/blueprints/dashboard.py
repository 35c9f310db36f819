"""The staff home page (`/` belongs to the public site): where the clinic stands and what to do next."""
from flask import Blueprint, render_template
from flask_login import current_user

from oncord.getting_started import checklist

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
def index():
    steps = checklist(is_admin=current_user.is_admin)
    return render_template("dashboard/index.html", steps=steps, remaining=sum(not s.done for s in steps))
