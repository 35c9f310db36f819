"""Marketing > Campaigns: write a campaign, pick its audience, test it, send or schedule it, follow it (staff)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from htmx_flask import request

from oncord.campaigns import audience_form, editing, results, scheduling, sending
from oncord.campaigns.conditions import Conditions
from oncord.campaigns.test_send import TestSendFailed, send_test
from oncord.extensions import db
from oncord.forms.campaigns import CampaignForm, ScheduleForm, TestSendForm
from oncord.messaging import merge_fields
from oncord.messaging import message_templates as templates
from oncord.models import Campaign, CampaignStatus
from oncord.urls import external_url

bp = Blueprint("campaigns", __name__, url_prefix="/marketing/campaigns")

STATUS_TONES = {"draft": "grey", "scheduled": "blue", "sending": "blue", "paused": "amber", "cancelled": "grey",
                "finished": "green"}


@bp.errorhandler(editing.CampaignNotFound)
def not_found(error):
    return render_template("error.html", title="Not found",
                           message="This campaign does not exist; it may have been deleted."), 404


@bp.context_processor
def campaign_context():
    return {"merge_fields": merge_fields.FIELDS, "parts": templates.PARTS, "status_tones": STATUS_TONES,
            "channel_labels": editing.CHANNELS}


@bp.get("/")
def index():
    campaigns = editing.list_campaigns()
    return render_template("campaigns/index.html", campaigns=campaigns,
                           progress={c.id: results.progress(c) for c in campaigns})


@bp.get("/new")
def new():
    channel = request.args.get("channel", "email")
    if channel not in editing.CHANNELS:
        abort(404)
    form = CampaignForm(channel=channel)
    if start := editing.fields_from_template(request.args.get("template_id", type=int), channel):
        form = CampaignForm(channel=channel, name=start.name, subject=start.subject, preheader=start.preheader,
                            body=start.body)
    return _editor(None, form, {})


@bp.post("/new")
def create():
    form = CampaignForm()
    conditions, problems = _conditions()
    if not form.validate_on_submit() or problems:
        return _editor(None, form, conditions, problems), 422
    try:
        campaign = editing.create_campaign(_fields(form, conditions), user=current_user)
    except editing.CampaignInvalid as exc:
        db.session.rollback()
        return _refused(None, form, conditions, exc)
    db.session.commit()
    flash(f"“{campaign.name}” is saved as a draft.", "success")
    return redirect(url_for("campaigns.edit", campaign_id=campaign.id))


@bp.get("/<int:campaign_id>/")
def edit(campaign_id: int):
    campaign = editing.get_campaign(campaign_id)
    if not editing.is_editable(campaign):
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return _editor(campaign, CampaignForm(obj=campaign), campaign.conditions or {})


@bp.post("/<int:campaign_id>/")
def save(campaign_id: int):
    campaign = editing.get_campaign(campaign_id)
    form = CampaignForm()
    form.channel.data = campaign.channel  # a campaign keeps its channel
    conditions, problems = _conditions()
    if not form.validate_on_submit() or problems:
        return _editor(campaign, form, conditions, problems), 422
    try:
        editing.update_campaign(campaign, _fields(form, conditions))
    except editing.CampaignLocked as exc:
        flash(str(exc), "warning")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    except editing.CampaignInvalid as exc:
        db.session.rollback()
        return _refused(editing.get_campaign(campaign_id), form, conditions, exc)
    db.session.commit()
    flash("Saved.", "success")
    return redirect(url_for("campaigns.edit", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/delete")
def delete(campaign_id: int):
    campaign = editing.get_campaign(campaign_id)
    name = campaign.name
    try:
        editing.delete_campaign(campaign)
    except editing.CampaignLocked as exc:
        flash(str(exc), "warning")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    db.session.commit()
    flash(f"“{name}” is deleted.", "success")
    return redirect(url_for("campaigns.index"))


@bp.post("/preview")
def preview():
    """The editor's live preview, with made-up contact details."""
    form = CampaignForm()
    if not form.validate() or form.channel.data not in editing.CHANNELS:
        return render_template("marketing/templates/_preview.html", preview=None,
                               refused=" ".join(e for es in form.errors.values() for e in es) or "Choose email or SMS.")
    identity = templates.clinic_identity()
    context = merge_fields.sample_context(identity.clinic, external_url("public_site.home"))
    result = templates.preview(_fields(form, {}).as_template(), context, identity, sample=True)
    return render_template("marketing/templates/_preview.html", preview=result, contact=None, appointment=None,
                           refused=None, contact_pick_absent=True)


@bp.post("/<int:campaign_id>/test")
def test(campaign_id: int):
    campaign = editing.get_campaign(campaign_id)
    form = TestSendForm()
    if not form.validate_on_submit():
        abort(400, "Enter where to send the test.")
    try:
        message = send_test(campaign, form.to.data or "")
        db.session.commit()
    except TestSendFailed as exc:
        db.session.commit()  # the ledger keeps the failed attempt
        flash(f"The test was not sent: {exc}", "error")
    else:
        outbox = " (recorded in the outbox only: nothing left the machine)" if message.via == "outbox" else ""
        flash(f"A test was sent to {message.address}{outbox}.", "success")
    return redirect(url_for("campaigns.edit", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/send")
def send_now(campaign_id: int):
    campaign = editing.get_campaign(campaign_id)
    if not sending.start_now(campaign):
        flash("This campaign has already started or was cancelled.", "warning")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    db.session.commit()
    scheduling.queue_batch(campaign_id)
    scheduling.ensure_check_scheduled()
    flash(f"{sending.quiet_hours_note(campaign) or 'Sending has started.'} You can leave this page; it carries on.",
          "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/schedule")
def schedule(campaign_id: int):
    campaign = editing.get_campaign(campaign_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        flash("Choose a date and a time such as 2026-12-01 and 09:30.", "error")
        return redirect(url_for("campaigns.edit", campaign_id=campaign_id))
    try:
        when = scheduling.send_at_from_local(form.send_date.data, form.send_time.data, channel=campaign.channel)
    except scheduling.ScheduleRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("campaigns.edit", campaign_id=campaign_id))
    if not scheduling.schedule(campaign, when):
        flash("Only a draft or a scheduled campaign can be scheduled.", "warning")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    db.session.commit()
    scheduling.queue_start(editing.get_campaign(campaign_id))
    flash("Scheduled.", "success")
    return redirect(url_for("campaigns.edit", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/unschedule")
def unschedule(campaign_id: int):
    campaign = editing.get_campaign(campaign_id)
    if scheduling.unschedule(campaign):
        db.session.commit()
        flash("No longer scheduled: it is a draft again.", "success")
    return redirect(url_for("campaigns.edit", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/pause")
def pause(campaign_id: int):
    if sending.pause(editing.get_campaign(campaign_id), "Paused by " + current_user.name + "."):
        db.session.commit()
        flash("Paused. Messages already on their way are finished; nobody else is sent to until you resume.", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/resume")
def resume(campaign_id: int):
    if sending.resume(editing.get_campaign(campaign_id)):
        db.session.commit()
        scheduling.queue_batch(campaign_id)
        scheduling.ensure_check_scheduled()
        flash("Sending again.", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/cancel")
def cancel(campaign_id: int):
    campaign = editing.get_campaign(campaign_id)
    if sending.cancel(campaign):
        db.session.commit()
        flash("Cancelled. Nobody else will get this campaign.", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.get("/<int:campaign_id>/results")
def show(campaign_id: int):
    campaign = editing.get_campaign(campaign_id)
    return render_template("campaigns/show.html", campaign=campaign, results=results.results(campaign))


@bp.get("/<int:campaign_id>/progress")
def progress(campaign_id: int):
    """Polled while sending; the partial drops its trigger once the campaign stops."""
    campaign = editing.get_campaign(campaign_id)
    return render_template("campaigns/_progress.html", campaign=campaign, results=results.results(campaign))


def _conditions() -> tuple[dict, dict[str, str]]:
    """The audience builder's fields as stored conditions, or its errors per field."""
    try:
        return audience_form.conditions_from_form(request.form).to_json(), {}
    except audience_form.AudienceFormError as exc:
        return {}, exc.errors


def _fields(form: CampaignForm, conditions: dict) -> editing.CampaignFields:
    return editing.CampaignFields(name=form.name.data or "", channel=form.channel.data or "",
                                  subject=form.subject.data or "", preheader=form.preheader.data or "",
                                  body=form.body.data or "", conditions=conditions)


def _refused(campaign, form, conditions, exc: editing.CampaignInvalid):
    for name, messages in exc.errors.items():
        getattr(form, name).errors = list(getattr(form, name).errors) + messages
    return _editor(campaign, form, conditions), 422


def _editor(campaign: Campaign | None, form: CampaignForm, conditions: dict, audience_errors: dict | None = None):
    if form.channel.data not in editing.CHANNELS:
        abort(400, "Choose an email or an SMS campaign.")
    is_sms = form.channel.data == "sms"
    # What was typed comes back as typed when it was refused; otherwise the saved conditions.
    builder = audience_form.builder_context(Conditions.from_json(conditions), errors=audience_errors,
                                            form=request.form if request.method == "POST" else None)
    return render_template(
        "campaigns/edit.html", campaign=campaign, form=form, is_sms=is_sms, **builder,
        start_from=editing.templates_to_start_from(form.channel.data) if campaign is None else [],
        schedule_form=ScheduleForm(), test_form=TestSendForm(to="" if is_sms else current_user.email),
        scheduled=campaign is not None and campaign.status == CampaignStatus.SCHEDULED.value)
