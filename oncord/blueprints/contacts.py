"""Contacts: search the list, read a contact and their activity, add one by hand."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from htmx_flask import request

from flask_login import current_user

from oncord.access import admin_required
from oncord.contacts import appointments, data_subject, editing, feed, records
from oncord.contacts.phones import display_phone
from oncord.contacts.search import COUNT_CAP, ContactFilters, InvalidCursor, parse_cursor, search_contacts
from oncord.extensions import db
from oncord.messaging import consent_history, listing, sms_keywords
from oncord.sync import outbox
from oncord.forms.contacts import EditContactForm, NewContactForm
from oncord.timestamps import utcnow
from oncord.htmx import render_page
from oncord.models import ConsentStatus

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


@bp.context_processor
def _template_helpers():
    return {"display_phone": display_phone, "event_title": feed.event_title, "event_detail": feed.event_detail,
            "is_appointment_event": feed.is_appointment_event, "merge_partner": feed.merge_partner,
            "imported_note": feed.IMPORTED_NOTE, "appointment_badge": appointments.appointment_badge,
            "channel_status_choices": _channel_status_choices, "consent_history": consent_history,
            "event_message": feed.event_message, "message_preview": listing.preview,
            "message_status_label": listing.status_label, "message_status_tones": listing.STATUS_TONES}


def _channel_status_choices(channel: str) -> list[tuple[str, str]]:
    """"Email: Subscribed", not a bare "Subscribed": once chosen, a filter must say which channel it is."""
    return [(status.value, f"{channel}: {status.label}") for status in ConsentStatus]


@bp.get("/")
def index():
    filters = _filters_from_args()
    try:
        cursor = {name: value for name in ("after", "before") if (value := parse_cursor(request.args.get(name)))}
    except InvalidCursor:
        abort(400, description="That page of the contacts list does not exist. Open Contacts again to start "
                               "from the first page.")
    results = search_contacts(filters, **cursor)
    response = render_page("contacts/index.html", "contacts/_rows.html", filters=filters, results=results,
                           filter_args=_filter_args(filters), count_cap=COUNT_CAP)
    if request.htmx:  # push the tidy URL, not "?q=ana&linked=&email=&sms="
        response.headers["HX-Push-Url"] = url_for("contacts.index", **_filter_args(filters), **cursor)
    return response


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = NewContactForm()
    if form.validate_on_submit():
        contact = records.create_contact(form.to_details(), user_id=current_user.id)
        db.session.commit()
        flash(f"{contact.name} was added. They stay in oncord; nothing was sent to Cliniko.", "success")
        return redirect(url_for("contacts.show", contact_id=contact.id))
    return render_template("contacts/new.html", form=form, check_url=url_for("contacts.check_new"))


@bp.post("/new/check")
def check_new():
    return _field_feedback(NewContactForm())


@bp.get("/<int:contact_id>")
def show(contact_id: int):
    return render_template("contacts/show.html", **_show_context(_get_contact(contact_id)))


def _show_context(contact, *, now=None, activity=None, appointment_page=None) -> dict:
    """What the contact page shows; a later page of the feed or of the appointments replaces the first."""
    now = now or utcnow()
    return {"contact": contact, "now": now, "cliniko_url": records.cliniko_patient_url(contact),
            "edits": outbox.edits_of(contact.id), "survivor": records.merge_survivor(contact),
            "cancel_requests": sms_keywords.open_cancel_requests(contact.id),
            "feed": activity or feed.contact_feed(contact.id),
            "consent_changes": consent_history.history(contact.id),
            "appointments": appointment_page or appointments.contact_appointments(contact.id, now=now)}


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
def edit(contact_id: int):
    contact = _get_contact(contact_id)
    form = EditContactForm(obj=contact)
    if form.validate_on_submit():
        changed = editing.update_contact(contact, form.to_details(), user_id=current_user.id, now=utcnow())
        db.session.commit()
        if changed and contact.is_linked:
            flash(outbox.queue_push(contact), "success")
        else:
            flash("Saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("contacts.show", contact_id=contact.id))
    return render_template("contacts/edit.html", form=form, contact=contact,
                           check_url=url_for("contacts.check_edit", contact_id=contact.id))


@bp.post("/<int:contact_id>/edit/check")
def check_edit(contact_id: int):
    return _field_feedback(EditContactForm(obj=_get_contact(contact_id)))


def _field_feedback(form):
    """Checks the whole form as typed so far, and answers with the messages of the field being typed in.

    Nothing is saved: the form is only validated.
    """
    field = form._fields.get(request.htmx.trigger_name or "")
    if field is None or field.name == "csrf_token":
        abort(400)
    form.validate()
    return render_template("contacts/_field_feedback.html", field=field, form=form)


@bp.get("/<int:contact_id>/delete")
def confirm_delete(contact_id: int):
    return render_template("contacts/delete.html", contact=_get_contact(contact_id))


@bp.post("/<int:contact_id>/delete")
def delete(contact_id: int):
    contact = _get_contact(contact_id)
    name, linked = contact.name, contact.is_linked
    editing.delete_contact(contact, now=utcnow())
    db.session.commit()
    flash(f"{name} was deleted from oncord. Their Cliniko patient record is untouched." if linked
          else f"{name} was deleted.", "success")
    return redirect(url_for("contacts.index"))


@bp.get("/<int:contact_id>/export")
@admin_required
def export(contact_id: int):
    """Everything oncord holds about the contact, as a JSON download (a subject access request)."""
    contact = _get_contact(contact_id)
    response = jsonify(data_subject.export_contact(contact))
    response.headers["Content-Disposition"] = f'attachment; filename="contact-{contact.id}-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:contact_id>/erase")
@admin_required
def confirm_erase(contact_id: int):
    return render_template("contacts/erase.html", contact=_get_contact(contact_id))


@bp.post("/<int:contact_id>/erase")
@admin_required
def erase(contact_id: int):
    contact = _get_contact(contact_id)
    name = contact.name
    data_subject.erase_contact(contact, user_id=current_user.id)
    db.session.commit()
    flash(f"{name} was erased from oncord. Nothing will be sent to them and the sync will not bring them back "
          "until an admin lifts the suppression. The patient in Cliniko was not touched.", "success")
    return redirect(url_for("contacts.index"))


@bp.get("/<int:contact_id>/activity")
def activity(contact_id: int):
    """Older events: HTMX swaps them in place of the "Load more" button; without it, the whole page."""
    contact = _get_contact(contact_id)
    try:
        before = parse_cursor(request.args.get("before"))
    except InvalidCursor:
        abort(400, description="There is no more activity at this address. Open the contact again.")
    older = feed.contact_feed(contact.id, before=before)
    return render_page("contacts/show.html", "contacts/_feed_items.html", **_show_context(contact, activity=older))


@bp.get("/<int:contact_id>/appointments")
def appointment_list(contact_id: int):
    """More of the Appointments card: HTMX swaps them in place of its "Show more" button."""
    contact = _get_contact(contact_id)
    now = utcnow()
    rest = appointments.contact_appointments(contact.id, now=now, offset=request.args.get("offset", 0, type=int))
    return render_page("contacts/show.html", "contacts/_appointments.html",
                       **_show_context(contact, now=now, appointment_page=rest))


def _filters_from_args() -> ContactFilters:
    linked = {"yes": True, "no": False}.get(request.args.get("linked", ""))
    return ContactFilters(query=request.args.get("q", "").strip()[:200], linked=linked,
                          email_status=_status_arg("email"), sms_status=_status_arg("sms"),
                          merged=request.args.get("merged") if request.args.get("merged") in ("include", "only") else "hide")


def _filter_args(filters: ContactFilters) -> dict[str, str]:
    """The same filters as query arguments, for the pager's links."""
    args = {"q": filters.query, "linked": {True: "yes", False: "no"}.get(filters.linked, ""),
            "email": filters.email_status.value if filters.email_status else "",
            "sms": filters.sms_status.value if filters.sms_status else "",
            "merged": "" if filters.merged == "hide" else filters.merged}
    return {name: value for name, value in args.items() if value}


def _status_arg(name: str) -> ConsentStatus | None:
    try:
        return ConsentStatus(request.args.get(name, ""))
    except ValueError:
        return None


def _get_contact(contact_id: int):
    try:
        return records.get_contact(contact_id)
    except records.ContactNotFound:
        abort(404)
