"""Marketing > Automations: the list, the editor with its live preview, switching on (with a confirmed
backfill) and off, and each automation's run log (staff)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from htmx_flask import request

from oncord.automations import builder, lifecycle, preview as previews, reporting, switch
from oncord.automations.describe import Names, step_in_words, trigger_in_words
from oncord.extensions import db
from oncord.forms.automations import STEP_TYPES, AutomationForm
from oncord.models import Automation
from oncord.timestamps import utcnow

bp = Blueprint("automations", __name__, url_prefix="/marketing/automations")


@bp.errorhandler(builder.AutomationNotFound)
def not_found(error):
    return render_template("error.html", title="Not found",
                           message="This automation does not exist; it may have been deleted."), 404


@bp.context_processor
def words():
    return {"trigger_in_words": trigger_in_words, "step_types": STEP_TYPES, "step_in_words": step_in_words}


@bp.get("/")
def index():
    automations = reporting.list_automations()
    return render_template("automations/index.html", automations=automations, names=Names.load(),
                           summaries=reporting.summaries(automations, utcnow()))


@bp.get("/new")
def new():
    return _editor(None, AutomationForm(formdata=None, data={"steps": [builder.new_step("sms")]}))


@bp.post("/new")
def create():
    form = AutomationForm()
    if step_action := request.form.get("step_action"):  # the step buttons without JavaScript
        return _editor(None, _with_steps(form, step_action))
    choices = _choices(form)
    if not (form.validate_on_submit() & builder.check(form, choices)):
        return _editor(None, form, choices), 422
    automation = Automation(created_by_id=current_user.id, updated_by_id=current_user.id)
    builder.apply(form, automation)
    db.session.add(automation)
    db.session.commit()
    flash(f"“{automation.name}” is saved. It is off until you switch it on.", "success")
    return redirect(url_for("automations.edit", automation_id=automation.id))


@bp.get("/<int:automation_id>/")
def edit(automation_id: int):
    automation = builder.get_automation(automation_id)
    return _editor(automation, AutomationForm(formdata=None, data=builder.form_data(automation)))


@bp.post("/<int:automation_id>/")
def save(automation_id: int):
    automation = builder.get_automation(automation_id)
    form = AutomationForm()
    if step_action := request.form.get("step_action"):
        return _editor(automation, _with_steps(form, step_action))
    choices = _choices(form)
    if not (form.validate_on_submit() & builder.check(form, choices)):
        return _editor(automation, form, choices), 422
    builder.apply(form, automation)
    automation.updated_by_id = current_user.id
    db.session.commit()
    flash("Saved.", "success")
    return redirect(url_for("automations.edit", automation_id=automation.id))


@bp.post("/steps")
def steps():
    """The steps editor's buttons and pickers: the steps re-rendered from the posted form, changed as asked."""
    form = _with_steps(AutomationForm(), request.form.get("step_action", ""))
    choices = _choices(form)
    response = make_response(render_template("automations/_steps.html", form=form,
                                              warnings=builder.promotional_warnings(form, choices)))
    response.headers["HX-Trigger"] = "steps-changed"  # the preview follows the new steps
    return response


@bp.post("/preview")
def preview():
    """The editor's live preview of the unsaved form: who it would have messaged and whom it will."""
    form = AutomationForm()
    choices = _choices(form)
    form.validate()  # fills errors; the preview runs only on a form that could be saved
    if form.errors or not builder.check(form, choices):
        return render_template("automations/_preview.html", past=None, upcoming=None)
    automation = builder.unsaved_copy(form, request.form.get("automation_id", type=int))
    past, upcoming = previews.preview(automation, utcnow())
    return render_template("automations/_preview.html", past=past, upcoming=upcoming)


@bp.get("/<int:automation_id>/enable")
def confirm_enable(automation_id: int):
    automation = builder.get_automation(automation_id)
    since_text = request.args.get("since", "")
    since, rows, problem = None, [], None
    if since_text:
        try:
            since = switch.backfill_start(since_text, utcnow(), _zone())
        except switch.BadBackfillDate as exc:
            problem = str(exc)
        else:
            rows = previews.backfill(automation, since, utcnow())
    return render_template("automations/enable.html", automation=automation, since=since, since_text=since_text,
                           rows=rows, problem=problem), 422 if problem else 200


@bp.post("/<int:automation_id>/enable")
def enable(automation_id: int):
    automation = builder.get_automation(automation_id)
    since = None
    if since_text := request.values.get("since", ""):
        try:
            since = switch.backfill_start(since_text, utcnow(), _zone())
        except switch.BadBackfillDate as exc:
            return render_template("automations/enable.html", automation=automation, since=None,
                                   since_text=since_text, rows=[], problem=str(exc)), 422
    lifecycle.switch_on(automation, backfill_since=since, now=utcnow())  # since: never after today's midnight
    db.session.commit()
    flash(f"“{automation.name}” is on." + (" It also sends for activity since the day you chose." if since else ""),
          "success")
    return redirect(url_for("automations.edit", automation_id=automation.id))


@bp.post("/<int:automation_id>/disable")
def disable(automation_id: int):
    automation = builder.get_automation(automation_id)
    lifecycle.switch_off(automation)
    db.session.commit()
    flash(f"“{automation.name}” is off: it sends nothing until you switch it on again.", "success")
    return redirect(url_for("automations.edit", automation_id=automation.id))


@bp.get("/<int:automation_id>/delete")
def confirm_delete(automation_id: int):
    automation = builder.get_automation(automation_id)
    return render_template("automations/delete.html", automation=automation,
                           waiting=reporting.waiting_runs(automation.id))


@bp.post("/<int:automation_id>/delete")
def delete(automation_id: int):
    automation = builder.get_automation(automation_id)
    lifecycle.delete(automation, now=utcnow())
    automation.updated_by_id = current_user.id
    db.session.commit()
    flash(f"“{automation.name}” is deleted: it sends nothing more. Its run log and messages are kept.", "success")
    return redirect(url_for("automations.index"))


@bp.get("/<int:automation_id>/log")
def log(automation_id: int):
    automation = builder.get_automation(automation_id, deleted_too=True)
    page = reporting.log_page(automation.id, request.args.get("page", 1, type=int))
    return render_template("automations/log.html", automation=automation, page=page,
                           appointments=reporting.appointments_of(page.rows))


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


def _choices(form: AutomationForm) -> builder.Choices:
    chosen = [i for i in (form.business_ids.data or []) if isinstance(i, int) and 0 < i < 2**63]
    choices = builder.load_choices(chosen_locations=chosen)
    builder.set_choices(form, choices)
    return choices


def _with_steps(form: AutomationForm, action: str) -> AutomationForm:
    """The same form with its steps changed by a step button; the other fields keep what was typed."""
    data = {name: f.data for name, f in form._fields.items() if name not in {"csrf_token", "steps"}}
    steps = [s for s in (form.steps.data or []) if s.get("step_type") in STEP_TYPES]
    data["steps"] = builder.apply_step_action(steps, action)
    return AutomationForm(formdata=None, data=data)


def _editor(automation, form: AutomationForm, choices: builder.Choices | None = None):
    choices = choices or _choices(form)
    return render_template("automations/edit.html", automation=automation, form=form,
                           warnings=builder.promotional_warnings(form, choices),
                           waiting=reporting.waiting_runs(automation.id if automation else None))
