"""Marketing > Automations: list, editor (trigger, filters, steps), problems beside fields, the
promotional-wording warning, switching on with a confirmed backfill, the run log, bad ids."""
import html
import re
from datetime import datetime, timedelta, timezone

import pytest

from oncord.models import Automation, AutomationLog, ClinikoConnection, AutomationRun, AutomationStep, MessageTemplate, Role
from oncord.timestamps import utcnow
from tests.factories import (
    AppointmentFactory, AppointmentTypeFactory, BusinessFactory, ContactFactory, PractitionerFactory,
)


def _template(db, channel="sms", body="Hi {{ contact.first_name }}, see you tomorrow.", **fields) -> MessageTemplate:
    template = MessageTemplate(name=fields.pop("name", f"{channel} reminder"), channel=channel, kind="factual",
                               body=body, **fields)
    db.session.add(template)
    db.session.commit()
    return template


def _form(template, **fields) -> dict:
    data = {"name": "Reminder the day before", "trigger": "upcoming", "offset_amount": "24", "offset_unit": "hours",
            "late_booking": "send", "grace_minutes": "60", "no_return_days": "180", "first_appointment_only": "all",
            "spacing_tag": "", "spacing_days": "",
            "steps-0-step_type": "sms", "steps-0-template_id": str(template.id), "steps-0-kind": "factual",
            "steps-0-wait_amount": "1", "steps-0-wait_unit": "days", "steps-0-staff_user_id": ""}
    data.update(fields)
    return data


def _automation(db, template, **fields) -> Automation:
    automation = Automation(name=fields.pop("name", "Reminder"), trigger=fields.pop("trigger", "upcoming"),
                            offset_minutes=fields.pop("offset_minutes", 1440), **fields)
    automation.steps = [AutomationStep(position=0, type="sms", template_id=template.id, kind="factual")]
    db.session.add(automation)
    db.session.commit()
    return automation


def test_automations_need_sign_in(client, db, make_user):
    make_user(Role.ADMIN)
    response = client.get("/marketing/automations/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/marketing/automations/steps", headers={"HX-Request": "true"}).status_code in (400, 401)


def test_staff_build_a_reminder_filtered_by_practitioner_and_see_it_in_words(client, db, login_as, csrf_token):
    user = login_as(Role.STAFF)
    lee = PractitionerFactory(first_name="Ann", last_name="Lee", title="Dr")
    kim = PractitionerFactory(first_name="Bo", last_name="Kim", title="Dr")
    initial = AppointmentTypeFactory(name="Initial Consultation")
    AppointmentFactory(practitioner=lee, appointment_type=initial, business_id=7)
    template = _template(db)
    assert "/marketing/automations/" in client.get("/dashboard").get_data(as_text=True)
    page = client.get("/marketing/automations/new").get_data(as_text=True)
    assert "Dr Ann Lee" in page and "Dr Bo Kim" in page and "Initial Consultation" in page
    token = csrf_token("/marketing/automations/new")
    response = client.post("/marketing/automations/new", data={
        "csrf_token": token, **_form(template, practitioner_ids=str(lee.id), appointment_type_ids=str(initial.id))})
    automation = db.session.query(Automation).one()
    assert response.status_code == 302 and response.headers["Location"] == f"/marketing/automations/{automation.id}/"
    assert (automation.trigger, automation.offset_minutes, automation.practitioner_ids, automation.business_ids) == \
        ("upcoming", 1440, [lee.id], [])
    assert automation.enabled is False and automation.created_by_id == user.id
    assert [(s.position, s.type, s.template_id, s.kind) for s in automation.steps] == [(0, "sms", template.id, "factual")]
    listing = client.get("/marketing/automations/").get_data(as_text=True)
    assert "24 hours before an Initial Consultation with Dr Ann Lee" in listing and kim.name not in listing
    edit = client.get(f"/marketing/automations/{automation.id}/").get_data(as_text=True)
    assert re.search(rf'<option selected value="{lee.id}">|<option value="{lee.id}" selected', edit)


def test_an_automation_for_group_classes_only_says_so(client, db, login_as, csrf_token):
    login_as(Role.STAFF)
    pilates = AppointmentTypeFactory(name="Clinical Pilates")
    template = _template(db)
    token = csrf_token("/marketing/automations/new")
    client.post("/marketing/automations/new", data={
        "csrf_token": token, **_form(template, booking_kinds="group", appointment_type_ids=str(pilates.id))})
    automation = db.session.query(Automation).one()
    assert automation.booking_kinds == "group"
    listing = client.get("/marketing/automations/").get_data(as_text=True)
    assert "24 hours before a Clinical Pilates class" in listing
    edit = client.get(f"/marketing/automations/{automation.id}/").get_data(as_text=True)
    assert re.search(r'<input checked id="booking_kinds-2"[^>]*value="group"|value="group"[^>]*checked', edit)
    client.post(f"/marketing/automations/{automation.id}/", data={
        "csrf_token": token, **_form(template, booking_kinds="individual")})
    db.session.expire_all()
    assert db.session.query(Automation).one().booking_kinds == "individual"
    assert "24 hours before an individual appointment" in client.get("/marketing/automations/").get_data(as_text=True)


def test_saving_without_a_csrf_token_is_refused(client, db, login_as):
    login_as()
    template = _template(db)
    assert client.post("/marketing/automations/new", data=_form(template)).status_code == 400
    assert db.session.query(Automation).count() == 0
    automation = _automation(db, template)
    for path in (f"/marketing/automations/{automation.id}/", f"/marketing/automations/{automation.id}/enable",
                 f"/marketing/automations/{automation.id}/disable", "/marketing/automations/steps",
                 "/marketing/automations/preview"):
        assert client.post(path, data=_form(template), headers={"HX-Request": "true"}).status_code == 400, path
    db.session.expire_all()
    assert db.session.get(Automation, automation.id).enabled is False


@pytest.mark.parametrize("fields, field_id, message", [
    ({"name": ""}, "name", "Give the automation a name."),
    ({"offset_amount": ""}, "offset_amount", "Say how long before the appointment."),
    ({"offset_amount": "-3"}, "offset_amount", "Number must be between 0 and 10000."),
    ({"offset_amount": "abc"}, "offset_amount", "Not a valid integer value."),
    ({"steps-0-template_id": ""}, "steps-0-template_id", "Choose an SMS template."),
    ({"spacing_tag": "recall"}, "spacing_days", "Give both a tag and a number of days, or neither."),
    ({"practitioner_ids": "99999"}, "practitioner_ids", "not a valid choice"),
    ({"practitioner_ids": "x"}, "practitioner_ids", "could not be coerced"),
    ({"trigger": "sometimes"}, "trigger", "Not a valid choice"),
])
def test_problems_show_beside_their_field_and_nothing_is_saved(client, db, login_as, csrf_token, fields, field_id, message):
    login_as()
    template = _template(db)
    token = csrf_token("/marketing/automations/new")
    response = client.post("/marketing/automations/new", data={"csrf_token": token, **_form(template, **fields)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and db.session.query(Automation).count() == 0
    field = page[page.index(f'id="{field_id}"'):]
    assert message in field[:field.index('class="field-feedback"') + 300]


def test_an_automation_needs_a_step_that_does_something(client, db, login_as, csrf_token):
    login_as()
    template = _template(db)
    token = csrf_token("/marketing/automations/new")
    data = {k: v for k, v in _form(template).items() if not k.startswith("steps-")}
    data.update({"steps-0-step_type": "wait", "steps-0-wait_amount": "2", "steps-0-wait_unit": "days"})
    response = client.post("/marketing/automations/new", data={"csrf_token": token, **data})
    assert response.status_code == 422 and "Add a step that sends a message or tells a staff member." in response.get_data(as_text=True)


def test_an_email_step_cannot_use_an_sms_template(client, db, login_as, csrf_token):
    login_as()
    sms = _template(db)
    token = csrf_token("/marketing/automations/new")
    response = client.post("/marketing/automations/new", data={"csrf_token": token, **_form(sms, **{"steps-0-step_type": "email"})})
    assert response.status_code == 422 and "Choose an email template." in response.get_data(as_text=True)


def test_step_buttons_add_move_and_remove_steps_keeping_what_was_typed(client, db, login_as, csrf_token):
    staff = login_as()
    template = _template(db)
    token = csrf_token("/marketing/automations/new")
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    added = client.post("/marketing/automations/steps", headers=headers, data={**_form(template), "step_action": "add-wait"})
    html = added.get_data(as_text=True)
    assert added.status_code == 200 and added.headers["HX-Trigger"] == "steps-changed"
    assert 'name="steps-1-step_type" type="hidden" value="wait"' in html and "<html" not in html
    two = {**_form(template), "steps-1-step_type": "notify_staff", "steps-1-staff_user_id": str(staff.id), "steps-1-kind": "factual"}
    moved = client.post("/marketing/automations/steps", headers=headers, data={**two, "step_action": "up-1"}).get_data(as_text=True)
    assert moved.index('value="notify_staff"') < moved.index('name="steps-1-step_type" type="hidden" value="sms"')
    assert re.search(rf'<option selected value="{staff.id}">', moved)
    removed = client.post("/marketing/automations/steps", headers=headers, data={**two, "step_action": "remove-0"}).get_data(as_text=True)
    assert 'value="notify_staff"' in removed and 'value="sms"' not in removed
    # Nonsense actions change nothing and are not an error.
    for action in ("remove-99", "up-x", "add-rocket", ""):
        same = client.post("/marketing/automations/steps", headers=headers, data={**two, "step_action": action})
        assert same.status_code == 200 and same.get_data(as_text=True).count("steps-") == moved.count("steps-")


def test_without_javascript_step_buttons_come_back_on_the_whole_page_unsaved(client, db, login_as, csrf_token):
    login_as()
    template = _template(db)
    token = csrf_token("/marketing/automations/new")
    response = client.post("/marketing/automations/new", data={"csrf_token": token, **_form(template), "step_action": "add-email"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page and 'value="email"' in page and 'value="Reminder the day before"' in page
    assert db.session.query(Automation).count() == 0


def test_a_factual_step_with_promotional_wording_is_warned_about_but_marketing_is_not(client, db, login_as, csrf_token):
    login_as()
    template = _template(db, body="Your visit is tomorrow. Book now for 20% off your next massage!")
    token = csrf_token("/marketing/automations/new")
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    factual = client.post("/marketing/automations/steps", headers=headers, data=_form(template)).get_data(as_text=True)
    assert "This reads like marketing" in factual and "Book now" in factual and "20% off" in factual
    marketing = client.post("/marketing/automations/steps", headers=headers,
                            data=_form(template, **{"steps-0-kind": "marketing"})).get_data(as_text=True)
    assert "This reads like marketing" not in marketing
    plain = _template(db, name="Plain", body="See you tomorrow at 10.")
    assert "This reads like marketing" not in client.post(
        "/marketing/automations/steps", headers=headers, data=_form(plain)).get_data(as_text=True)


def test_editing_reorders_steps_in_place(client, db, login_as, csrf_token):
    staff = login_as()
    template = _template(db)
    automation = _automation(db, template)
    token = csrf_token(f"/marketing/automations/{automation.id}/")
    data = {**_form(template, name="Two steps"), "steps-0-step_type": "wait", "steps-0-wait_amount": "2", "steps-0-wait_unit": "hours",
            "steps-1-step_type": "sms", "steps-1-template_id": str(template.id), "steps-1-kind": "factual",
            "steps-2-step_type": "notify_staff", "steps-2-staff_user_id": str(staff.id)}
    assert client.post(f"/marketing/automations/{automation.id}/", data={"csrf_token": token, **data}).status_code == 302
    db.session.expire_all()
    steps = db.session.get(Automation, automation.id).steps
    assert [(s.position, s.type, s.wait_minutes, s.staff_user_id) for s in steps] == \
        [(0, "wait", 120, None), (1, "sms", None, None), (2, "notify_staff", None, staff.id)]
    data = _form(template, name="One step")
    assert client.post(f"/marketing/automations/{automation.id}/", data={"csrf_token": token, **data}).status_code == 302
    db.session.expire_all()
    assert [s.type for s in db.session.get(Automation, automation.id).steps] == ["sms"]


@pytest.mark.parametrize("path", ["/marketing/automations/999/", "/marketing/automations/999/log",
                                  "/marketing/automations/999/enable", "/marketing/automations/999/delete",
                                  f"/marketing/automations/{2**31}/delete", f"/marketing/automations/{2**31 - 1}/",
                                  f"/marketing/automations/{2**31}/", "/marketing/automations/abc/"])
def test_bad_ids_are_not_found(client, db, login_as, path):
    login_as()
    assert client.get(path).status_code == 404


def test_switching_on_never_replays_and_a_backfill_is_confirmed_first(client, db, login_as, csrf_token):
    login_as()
    template = _template(db)
    automation = _automation(db, template)  # 24 hours before any appointment
    ana = ContactFactory(first_name="Ana", last_name="Smith", phone="+61412345678")
    ben = ContactFactory(first_name="Ben", last_name="Jones", phone=None)
    AppointmentFactory(contact=ana, starts_at=utcnow() + timedelta(hours=12))  # its reminder fell due 12 hours ago
    AppointmentFactory(contact=ben, starts_at=utcnow() + timedelta(hours=13))
    db.session.add(ClinikoConnection(shard="au2", live_since=utcnow() - timedelta(days=3)))  # live: the tick sends
    db.session.commit()
    since_day = (utcnow() - timedelta(days=2)).date().isoformat()
    page = client.get(f"/marketing/automations/{automation.id}/enable").get_data(as_text=True)
    assert "It counts only what happens from now on" in page and "Ana Smith" not in page
    token = csrf_token(f"/marketing/automations/{automation.id}/enable")
    before = utcnow()
    assert client.post(f"/marketing/automations/{automation.id}/enable", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    automation = db.session.get(Automation, automation.id)
    assert automation.enabled and automation.enabled_at >= before and automation.backfill_since is None
    off = client.post(f"/marketing/automations/{automation.id}/disable", data={"csrf_token": token})
    assert off.status_code == 302
    db.session.expire_all()
    automation = db.session.get(Automation, automation.id)
    assert automation.enabled is False
    automation.scanned_to = utcnow()  # the tick's watermark from when it was on
    db.session.commit()
    confirm = client.get(f"/marketing/automations/{automation.id}/enable?since={since_day}").get_data(as_text=True)
    assert "Ana Smith" in confirm and "Switch on and send to these people" in confirm
    assert "Ben Jones" in confirm and "Skipped" in confirm and "1 skipped, with the reason" in confirm
    action = html.unescape(re.search(r'<form method="post" action="([^"]+/enable[^"]*)"', confirm).group(1))
    assert client.post(action, data={"csrf_token": token}).status_code == 302  # the button staff press
    db.session.expire_all()
    automation = db.session.get(Automation, automation.id)
    assert automation.enabled and automation.backfill_since is not None
    assert automation.backfill_since <= utcnow() - timedelta(days=1)
    assert automation.scanned_to is None  # switched on afresh: the engine scans from the confirmed date


@pytest.mark.parametrize("since, message", [("yesterday", "Choose a date"), ("2001-01-01", "in the last 7 days"),
                                            ("2999-01-01", "today or a day before")])
def test_a_bad_backfill_date_is_explained_and_nothing_changes(client, db, login_as, csrf_token, since, message):
    login_as()
    automation = _automation(db, _template(db))
    page = client.get(f"/marketing/automations/{automation.id}/enable?since={since}")
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    token = csrf_token(f"/marketing/automations/{automation.id}/enable")
    refused = client.post(f"/marketing/automations/{automation.id}/enable", data={"csrf_token": token, "since": since})
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Automation, automation.id).enabled is False


def test_the_run_log_lists_outcomes_newest_first_in_pages_and_the_list_counts_the_week(client, db, login_as):
    login_as()
    automation = _automation(db, _template(db))
    ana = ContactFactory(first_name="Ana", last_name="Smith")
    appointment = AppointmentFactory(contact=ana)
    db.session.flush()
    now = utcnow()
    db.session.add_all([
        AutomationLog(automation_id=automation.id, contact_id=ana.id, appointment_id=appointment.id, step_position=0,
                      step_type="sms", outcome="sent", at=now - timedelta(hours=2)),
        AutomationLog(automation_id=automation.id, contact_id=ana.id, appointment_id=appointment.id, step_position=0,
                      step_type="sms", outcome="skipped", reason="The appointment was cancelled in Cliniko.",
                      at=now - timedelta(hours=1)),
        AutomationLog(automation_id=automation.id, contact_id=ana.id, step_position=0, step_type="sms",
                      outcome="sent", at=now - timedelta(days=9)),
    ])
    db.session.add(AutomationRun(key="k1", automation_id=automation.id, contact_id=ana.id, appointment_id=appointment.id,
                                 occurrence="x", triggered_at=now, next_at=now + timedelta(hours=3), status="waiting"))
    automation.enabled = True
    db.session.commit()
    assert "1 person is part-way through these steps" in client.get(f"/marketing/automations/{automation.id}/").get_data(as_text=True)
    page = client.get(f"/marketing/automations/{automation.id}/log").get_data(as_text=True)
    assert page.index("The appointment was cancelled in Cliniko.") < page.index("Sent")
    assert f'href="/contacts/{ana.id}"' in page and "Ana Smith" in page and appointment.appointment_type.name in page
    row = re.search(rf'<tr id="automation-{automation.id}">.*?</tr>', client.get("/marketing/automations/").get_data(as_text=True), re.S).group(0)
    cells = re.findall(r'<td class="right">(\d+)</td>', row)
    assert cells == ["1", "1"]  # the send 9 days ago is outside the week
    assert re.search(r'<td class="muted">\d+ \w+ \d{4}, \d+:\d\d [AP]M</td>', row)  # the waiting step's time
    # Pages of 50, newest first.
    db.session.add_all([AutomationLog(automation_id=automation.id, outcome="waiting", reason=f"until step {i}",
                                      at=now - timedelta(days=20, minutes=i)) for i in range(60)])
    db.session.commit()
    first = client.get(f"/marketing/automations/{automation.id}/log").get_data(as_text=True)
    second = client.get(f"/marketing/automations/{automation.id}/log?page=2").get_data(as_text=True)
    assert "Older" in first and "until step 46" in first and "until step 47" not in first
    assert "until step 47" in second and "Newer" in second and "Older" not in second
    assert client.get(f"/marketing/automations/{automation.id}/log?page=zzz").status_code == 200


def test_the_live_preview_lists_whom_the_unsaved_form_reaches_and_saves_nothing(client, db, login_as, csrf_token):
    login_as()
    template = _template(db)
    saved = _automation(db, template, practitioner_ids=[])
    lee, kim = PractitionerFactory(first_name="Ann", last_name="Lee"), PractitionerFactory(first_name="Bo", last_name="Kim")
    ana = ContactFactory(first_name="Ana", last_name="Smith", phone="+61412345678")
    ben = ContactFactory(first_name="Ben", last_name="Jones", phone="+61412345679")
    cy = ContactFactory(first_name="Cy", last_name="Ng", phone=None)
    AppointmentFactory(contact=ana, practitioner=lee, starts_at=utcnow() + timedelta(days=3))
    AppointmentFactory(contact=ben, practitioner=kim, starts_at=utcnow() + timedelta(days=3))
    AppointmentFactory(contact=cy, practitioner=lee, starts_at=utcnow() + timedelta(days=4))
    db.session.commit()
    token = csrf_token("/marketing/automations/new")
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    data = {**_form(template, practitioner_ids=str(lee.id)), "automation_id": str(saved.id)}
    page = client.post("/marketing/automations/preview", headers=headers, data=data).get_data(as_text=True)
    upcoming = page[page.index('id="preview-upcoming"'):page.index('id="preview-past"')]
    assert "Ana Smith" in upcoming and "Ben Jones" not in upcoming
    assert "Cy Ng" in upcoming and "Skipped" in upcoming  # no mobile number: listed with the reason
    assert "1 to send, 1 skipped" in page
    db.session.expire_all()
    assert db.session.query(Automation).count() == 1 and db.session.get(Automation, saved.id).practitioner_ids == []
    assert db.session.query(AutomationStep).count() == 1
    incomplete = client.post("/marketing/automations/preview", headers=headers, data=_form(template, name="", automation_id="9" * 30))
    assert incomplete.status_code == 200 and "Fill in the name" in incomplete.get_data(as_text=True)


def test_a_form_missing_its_optional_fields_saves_with_defaults(client, db, login_as, csrf_token):
    """Only what a hand-made request must send: the rest falls back to the editor's defaults."""
    login_as()
    template = _template(db)
    token = csrf_token("/marketing/automations/new")
    data = {"csrf_token": token, "name": "Bare", "trigger": "cancelled", "steps-0-step_type": "sms",
            "steps-0-template_id": str(template.id)}
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    assert client.post("/marketing/automations/preview", headers=headers, data=data).status_code == 200
    assert client.post("/marketing/automations/steps", headers=headers, data=data).status_code == 200
    assert client.post("/marketing/automations/new", data=data).status_code == 302
    automation = db.session.query(Automation).one()
    assert (automation.trigger, automation.tag, automation.grace_minutes, automation.late_booking,
            automation.booking_kinds) == ("cancelled", None, 60, "send", "both")
    assert [(s.type, s.kind) for s in automation.steps] == [("sms", "factual")]


def test_the_list_shows_the_next_send_of_an_enabled_automation_before_any_run_starts(app, client, db, login_as):
    from zoneinfo import ZoneInfo

    login_as()
    automation = _automation(db, _template(db))  # 24 hours before
    for name, phone, hours in (("Cy", None, 30), ("Ana", "+61412345678", 50), ("Ben", "+61412345679", 70)):
        AppointmentFactory(contact=ContactFactory(first_name=name, phone=phone),
                           starts_at=utcnow().replace(second=0, microsecond=0) + timedelta(hours=hours))
    db.session.commit()
    off = client.get("/marketing/automations/").get_data(as_text=True)
    assert re.search(rf'<tr id="automation-{automation.id}">.*?<td class="muted">—</td>', off, re.S)  # off: nothing due
    automation.enabled, automation.enabled_at = True, utcnow()
    db.session.commit()
    due = (utcnow().replace(second=0, microsecond=0) + timedelta(hours=26)).astimezone(ZoneInfo(app.config["CLINIC_TIMEZONE"]))
    listing = client.get("/marketing/automations/").get_data(as_text=True)
    assert due.strftime("%-d %b %Y, %-I:%M %p") in listing  # Ana's: Cy has no mobile number, so hers is skipped


def test_deleting_asks_first_then_stops_the_runs_and_keeps_the_log(client, db, login_as, csrf_token):
    login_as()
    automation = _automation(db, _template(db), name="Recall after six months")
    ana = ContactFactory(first_name="Ana", last_name="Smith")
    appointment = AppointmentFactory(contact=ana)
    db.session.flush()
    now = utcnow()
    db.session.add(AutomationLog(automation_id=automation.id, contact_id=ana.id, appointment_id=appointment.id,
                                 step_position=0, step_type="sms", outcome="sent", at=now - timedelta(hours=2)))
    run = AutomationRun(key="k-delete", automation_id=automation.id, contact_id=ana.id, appointment_id=appointment.id,
                        occurrence="x", triggered_at=now, next_at=now - timedelta(minutes=1), status="waiting")
    db.session.add(run)
    automation.enabled = True
    db.session.commit()
    edit = client.get(f"/marketing/automations/{automation.id}/").get_data(as_text=True)
    assert f'href="/marketing/automations/{automation.id}/delete"' in edit
    ask = client.get(f"/marketing/automations/{automation.id}/delete").get_data(as_text=True)
    assert "confirm-card" in ask and "Recall after six months" in ask and "the 1 person part-way through it" in ask
    assert client.post(f"/marketing/automations/{automation.id}/delete").status_code == 400  # no CSRF token
    assert db.session.get(Automation, automation.id).deleted_at is None
    token = csrf_token(f"/marketing/automations/{automation.id}/delete")
    response = client.post(f"/marketing/automations/{automation.id}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/marketing/automations/")
    db.session.expire_all()
    deleted = db.session.get(Automation, automation.id)
    assert deleted.deleted_at is not None and not deleted.enabled
    stopped = db.session.get(AutomationRun, run.id)
    assert (stopped.status, stopped.next_at, stopped.stop_reason) == ("stopped", None, "The automation was deleted.")
    assert f'id="automation-{automation.id}"' not in client.get("/marketing/automations/").get_data(as_text=True)
    assert client.get(f"/marketing/automations/{automation.id}/").status_code == 404
    assert client.get(f"/marketing/automations/{automation.id}/enable").status_code == 404
    log = client.get(f"/marketing/automations/{automation.id}/log").get_data(as_text=True)
    assert "Deleted" in log and "Ana Smith" in log and "Sent" in log  # the log is kept
