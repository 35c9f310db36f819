"""Marketing > Templates: email and SMS templates with merge fields, checked on save, previewed live (staff)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from htmx_flask import request

from oncord.contacts.search import ContactFilters, search_contacts
from oncord.extensions import db
from oncord.forms.marketing import MessageTemplateForm
from oncord.messaging import merge_fields
from oncord.messaging import message_templates as templates
from oncord.messaging.unsubscribe import unsubscribe_url
from oncord.models import TemplateChannel
from oncord.routing import LARGEST_ID
from oncord.urls import external_url

LARGEST_CLINIKO_ID = 2**63 - 1  # appointments keep Cliniko's int64 ids

bp = Blueprint("marketing_templates", __name__, url_prefix="/marketing/templates")
PICK_LIMIT = 10


@bp.errorhandler(templates.TemplateNotFound)
def not_found(error):
    return render_template("error.html", title="Not found",
                           message="This template does not exist; it may have been deleted."), 404


@bp.context_processor
def editor_context():
    return {"merge_fields": merge_fields.FIELDS, "parts": templates.PARTS}


@bp.get("/")
def index():
    return render_template("marketing/templates/index.html", templates=templates.list_templates())


@bp.get("/new")
def new():
    channel = request.args.get("channel", TemplateChannel.EMAIL.value)
    if channel not in {c.value for c in TemplateChannel}:
        abort(404)
    return _editor(None, MessageTemplateForm(channel=channel))


@bp.post("/new")
def create():
    form = MessageTemplateForm()
    if not form.validate_on_submit():
        return _editor(None, form), 422
    try:
        template = templates.create_template(_fields(form), user=current_user)
    except templates.TemplateInvalid as exc:
        db.session.rollback()
        return _refused(None, form, exc)
    db.session.commit()
    flash(f"“{template.name}” is saved.", "success")
    return redirect(url_for("marketing_templates.edit", template_id=template.id))


@bp.get("/<int:template_id>/")
def edit(template_id: int):
    template = templates.get_template(template_id)
    return _editor(template, MessageTemplateForm(obj=template))


@bp.post("/<int:template_id>/")
def save(template_id: int):
    template = templates.get_template(template_id)
    form = MessageTemplateForm()
    form.channel.data = template.channel  # a template keeps its channel
    if not form.validate_on_submit():
        return _editor(template, form), 422
    try:
        templates.update_template(template, _fields(form), user=current_user)
    except templates.TemplateInvalid as exc:
        db.session.rollback()
        return _refused(templates.get_template(template_id), form, exc)
    db.session.commit()
    flash("Saved.", "success")
    return redirect(url_for("marketing_templates.edit", template_id=template.id))


@bp.get("/<int:template_id>/delete")
def confirm_delete(template_id: int):
    return render_template("marketing/templates/delete.html", template=templates.get_template(template_id))


@bp.post("/<int:template_id>/delete")
def delete(template_id: int):
    template = templates.get_template(template_id)
    name = template.name
    templates.delete_template(template)
    db.session.commit()
    flash(f"“{name}” is deleted.", "success")
    return redirect(url_for("marketing_templates.index"))


@bp.post("/preview")
def preview():
    """The editor's live preview: the unsaved template rendered for the picked contact and appointment."""
    form = MessageTemplateForm()
    if not form.validate():  # CSRF checked already; this catches over-long fields. 200: htmx swaps it in
        return render_template("marketing/templates/_preview.html", preview=None,
                               refused=" ".join(e for es in form.errors.values() for e in es))
    contact = templates.contact_for_preview(_id_arg(request.form, "contact_id", LARGEST_ID))
    appointment = templates.appointment_for_preview(contact, _id_arg(request.form, "appointment_id", LARGEST_CLINIKO_ID))
    if contact is not None and appointment is None:
        appointment = next(iter(templates.appointments_to_pick(contact, limit=1)), None)
    identity = templates.clinic_identity()
    # The picked contact's own signed link (it only asks; nothing changes until they confirm).
    link = unsubscribe_url(contact) if contact is not None else external_url("public_site.home")
    context = templates.preview_context(contact, appointment, identity, zone=current_app.config["CLINIC_TIMEZONE"],
                                        unsubscribe_url=link)
    result = templates.preview(_fields(form), context, identity, sample=contact is None)
    return render_template("marketing/templates/_preview.html", preview=result, contact=contact,
                           appointment=appointment, refused=None)


@bp.get("/preview/contacts")
def contact_options():
    query = request.args.get("q", "").strip()[:100]
    found = search_contacts(ContactFilters(query=query), limit=PICK_LIMIT).contacts if query else []
    return render_template("marketing/templates/_contact_options.html", contacts=found, query=query)


@bp.get("/preview/appointments")
def appointment_options():
    contact = templates.contact_for_preview(_id_arg(request.args, "contact_id", LARGEST_ID))
    return render_template("marketing/templates/_appointment_options.html", contact=contact,
                           appointments=templates.appointments_to_pick(contact), swapped=True)


def _id_arg(values, name: str, largest: int) -> int | None:
    """A picked id, or None for anything no row could have (the preview then uses sample details)."""
    raw = values.get(name, "")
    digits = raw.removeprefix("-") if name == "appointment_id" else raw  # class attendances: see models.Appointment
    return int(raw) if digits.isascii() and digits.isdigit() and 0 < int(digits) <= largest else None


def _fields(form: MessageTemplateForm) -> templates.TemplateFields:
    return templates.TemplateFields(name=form.name.data or "", channel=form.channel.data or "",
                                    kind=form.kind.data or "", subject=form.subject.data or "",
                                    preheader=form.preheader.data or "", body=form.body.data or "")


def _refused(template, form: MessageTemplateForm, exc: templates.TemplateInvalid):
    for name, messages in exc.errors.items():
        getattr(form, name).errors = list(getattr(form, name).errors) + messages
    return _editor(template, form), 422


def _editor(template, form: MessageTemplateForm):
    if form.channel.data not in {c.value for c in TemplateChannel}:
        abort(400, "Choose an email or an SMS template.")
    return render_template("marketing/templates/edit.html", template=template, form=form,
                           is_sms=form.channel.data == TemplateChannel.SMS.value)
