"""Settings > Integrations: connect Cliniko, switch automatic sync, synchronise, watch it run."""
from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from htmx_flask import make_response as htmx_response
from htmx_flask import request

from oncord.background import UNAVAILABLE
from oncord.extensions import db
from oncord.forms.integrations import AutoSyncForm, BookingForm, ConnectForm
from oncord.models import SyncTrigger
from oncord.sync import connection as connections
from oncord.sync import outbox, schedule
from oncord.sync.status import history, sync_state

bp = Blueprint("integrations", __name__, url_prefix="/settings/integrations")


@bp.get("/")
def index():
    connection = connections.get_connection()
    # After a disconnect the address and subdomain are offered again; the key never is.
    remembered = {"base_url": connection.base_url, "subdomain": connection.subdomain} if connection else {}
    return _page(connection, ConnectForm(**remembered), BookingForm(obj=connection))


@bp.post("/cliniko/connect")
def connect():
    form = ConnectForm()
    if form.validate_on_submit():
        try:
            connection = connections.connect(form.api_key.data, base_url=form.base_url.data,
                                             subdomain=form.subdomain.data, user=current_user)
        except connections.ConnectionFailed as exc:
            db.session.rollback()
            form.api_key.errors.append(str(exc))
        else:
            db.session.commit()
            schedule.queue_pull(connection.id, SyncTrigger.MANUAL)
            schedule.ensure_scheduled()
            flash("Cliniko is connected. The first sync has started.", "success")
            return redirect(url_for("integrations.index"))
    connection = connections.get_connection()
    response = make_response(_page(connection, form, BookingForm(obj=connection)), 422)
    response.headers["Cache-Control"] = "no-store"  # the page holds the typed key
    return response


@bp.post("/cliniko/auto-sync")
def auto_sync():
    connection = connections.require_connection()
    form = AutoSyncForm()
    if form.validate_on_submit():
        connections.set_auto_sync(connection, form.enabled.data)
        db.session.commit()
        if connection.auto_sync:
            schedule.ensure_scheduled()
            if outbox.waiting_count():  # edits held while sync was off go now
                schedule.queue_pull(connection.id, SyncTrigger.MANUAL)
        flash("Automatic sync is on." if connection.auto_sync else "Automatic sync is off.", "success")
    return redirect(url_for("integrations.index"))


@bp.post("/cliniko/sync")
def synchronise():
    """With Redis down nothing can be queued: the status it renders says so."""
    connection = connections.require_connection()
    try:
        schedule.queue_pull(connection.id, SyncTrigger.MANUAL)
    except UNAVAILABLE:
        pass
    return render_template("integrations/_status.html", state=sync_state(connection))


@bp.get("/cliniko/status")
def status():
    """The polled status; the poll that finds the sync over tells the history table to refresh."""
    state = sync_state(connections.get_connection())
    html = render_template("integrations/_status.html", state=state)
    finished = bool(request.htmx) and not state.active  # only a running sync polls
    return htmx_response(html, trigger="sync-finished" if finished else None)


@bp.get("/cliniko/history")
def sync_history():
    connection = connections.get_connection()
    return render_template("integrations/_history.html", runs=history(connection) if connection else [])


@bp.post("/cliniko/disconnect")
def disconnect():
    connection = connections.require_connection()
    connections.disconnect(connection)
    db.session.commit()
    flash("Cliniko is disconnected. Every synced contact and appointment stays in oncord.", "success")
    return redirect(url_for("integrations.index"))


@bp.post("/cliniko/booking")
def booking():
    connection = connections.get_connection()
    form = BookingForm()
    if connection is None:
        flash("Connect Cliniko first.", "error")
        return redirect(url_for("integrations.index"))
    if form.validate_on_submit():
        connection.booking_url = form.booking_url.data or None
        connection.booking_embed_code = (form.booking_embed_code.data or "").strip() or None
        db.session.commit()
        flash("Online-booking settings saved.", "success")
        return redirect(url_for("integrations.index"))
    return _page(connection, ConnectForm(), form), 422


@bp.errorhandler(connections.NotConnected)
def not_connected(error):
    flash("Cliniko is not connected.", "error")
    return redirect(url_for("integrations.index"))


def _page(connection, connect_form, booking_form):
    return render_template(
        "integrations/index.html", connection=connection, state=sync_state(connection),
        runs=history(connection) if connection else [], connect_form=connect_form, booking_form=booking_form,
        auto_sync_form=AutoSyncForm(enabled=connection.auto_sync if connection else True),
    )
