"""The RQ dashboard, mounted at /jobs/ for administrators, scoped to this install's queues.

rq-dashboard brings its own blueprint and pages; access control comes from
`oncord.access` (the blueprint is listed as admin-only). Its JavaScript posts job
actions with an `X-CSRFToken` header read from the `_csrf_token` cookie, so we hand
it the session's CSRF token in that cookie and keep CSRF checks on for its POSTs.

Installs sharing one Redis keep apart by queue prefix (ONCORD_QUEUE_PREFIX): the
dashboard lists only queues and workers of this prefix, and any URL naming another
install's queue or job, or a job that does not exist, answers 404.
"""
from flask import Flask, abort, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
import rq_dashboard
import rq_dashboard.web
from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq_dashboard.web import setup_rq_connection

URL_PREFIX = "/jobs"

# Its routes that change something: POST only (rq-dashboard also takes GET for "requeue all").
STATE_CHANGING = {"rq_dashboard." + name for name in
                  ("delete_job_view", "requeue_job_view", "requeue_all", "empty_queue", "compact_queue")}
REGISTRIES = {"queued", "failed", "deferred", "started", "finished", "scheduled", "canceled"}


def is_ours(queue_name: str | None) -> bool:
    return bool(queue_name) and queue_name.startswith(current_app.config["RQ_QUEUE_PREFIX"] + ":")


class _ThisInstallsQueue(Queue):
    @classmethod
    def all(cls, *args, **kwargs):
        return [queue for queue in super().all(*args, **kwargs) if is_ours(queue.name)]


class _ThisInstallsWorker(Worker):
    @classmethod
    def all(cls, *args, **kwargs):
        return [worker for worker in super().all(*args, **kwargs) if any(map(is_ours, worker.queue_names()))]


def register(app: Flask) -> None:
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 5000)
    setup_rq_connection(app)
    # Its pages and JSON list queues and workers through these two names.
    rq_dashboard.web.Queue, rq_dashboard.web.Worker = _ThisInstallsQueue, _ThisInstallsWorker
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=URL_PREFIX)
    app.before_request(keep_dashboard_to_this_install)  # after oncord.access: only admins learn what exists

    @app.errorhandler(InvalidJobOperation)
    def job_not_requeueable(error):
        return render_template("error.html", title="Not possible",
                               message="Only a failed job can be requeued."), 409

    @app.after_request
    def hand_csrf_token_to_dashboard(response):
        if request.blueprint == "rq_dashboard" and response.mimetype == "text/html":
            response.set_cookie(
                "_csrf_token",
                generate_csrf(),
                path=URL_PREFIX + "/",
                samesite="Strict",
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
        return response


def keep_dashboard_to_this_install():
    """Refuse what rq-dashboard would allow: GETs that change things, other installs' queues and jobs."""
    if request.blueprint != "rq_dashboard" or request.endpoint == "rq_dashboard.static":
        return None
    if request.endpoint in STATE_CHANGING and request.method != "POST":
        abort(405)  # a link or an image on another site must not change anything
    args = request.view_args or {}
    if request.endpoint == "rq_dashboard.jobs_overview" and args.get("queue_name") is None:
        return redirect(jobs_url())
    if "queue_name" in args and not is_ours(args["queue_name"]):
        abort(404)
    if not _listing_args_valid(args):
        abort(404)  # rq-dashboard answers 500 for an unknown list or a page number that is not one
    if "job_id" in args:
        try:
            job = Job.fetch(args["job_id"], connection=current_app.redis_conn)
        except (NoSuchJobError, ValueError):  # gone, or not an id RQ could have made
            abort(404)
        if not is_ours(job.origin):
            abort(404)
    return None


def _listing_args_valid(args: dict) -> bool:
    if args.get("instance_number", 0) != 0:  # one Redis here; rq-dashboard raises for any other number
        return False
    if "registry_name" in args and args["registry_name"] not in REGISTRIES:
        return False
    for name, top in (("per_page", 1000), ("page", 10**9)):
        if name in args and not (str(args[name]).isdigit() and 1 <= int(args[name]) <= top):
            return False
    return True


def jobs_url() -> str:
    """The jobs page of this install's queue (rq-dashboard's default is RQ's own "default")."""
    from oncord.queues import queue_name

    return url_for("rq_dashboard.jobs_overview", instance_number=0, queue_name=queue_name(), registry_name="queued",
                   per_page=8, order="asc", page=1)
