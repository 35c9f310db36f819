"""Liveness for load balancers and `make run`: database and Redis, as JSON."""
from flask import Blueprint, jsonify

from oncord.access import public
from oncord.health import check_all

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    checks = check_all()
    healthy = all(status == "ok" for status in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", **checks), (200 if healthy else 503)
