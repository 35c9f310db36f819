"""The preview: who it would have messaged in the last 7 days, whom it will in the next 7, and why not."""
from datetime import datetime, timedelta, timezone

from oncord.automations import preview
from oncord.extensions import db
from oncord.models import AutomationStep, Trigger
from tests.automations.conftest import DAY, HOUR, START

UTC = timezone.utc


def _people(clinic):
    ana = clinic.patient()
    bo = clinic.patient("Bo", "Chen", email="bo@mail.example", sms_ok=False,
                        patient_phone_numbers=[{"number": "0412 000 111", "phone_type": "Mobile"}])
    cy = clinic.patient("Cy", "Dee", email="cy@mail.example",
                        patient_phone_numbers=[{"number": "0412 000 222", "phone_type": "Mobile"}])
    return ana, bo, cy


def test_preview_lists_the_right_people_with_times_and_reasons(clinic):
    ana, bo, cy = _people(clinic)
    dr_a, dr_b = clinic.practitioners[:2]
    clinic.book(ana, START + 3 * DAY, practitioner=dr_a)
    clinic.book(bo, START + 4 * DAY, practitioner=dr_a)
    clinic.book(cy, START + 3 * DAY, practitioner=dr_b)  # another practitioner: not listed
    clinic.book(ana, START - 2 * DAY + 2 * HOUR, practitioner=dr_a)  # last week's
    clinic.sync()
    bo_contact = clinic.contact(bo)
    bo_contact.sms_status = "unsubscribed"
    db.session.commit()
    reminder = clinic.automation(Trigger.UPCOMING, [clinic.sms_step()], enabled=False, offset_minutes=1440,
                                 practitioner_ids=[dr_a])
    past, upcoming = preview.preview(reminder, START)
    assert [(r.contact_name, r.send_at, r.reason) for r in past] == [
        ("Ana Smith", START - 3 * DAY + 2 * HOUR, None)]
    assert [(r.contact_name, r.send_at, r.reason) for r in upcoming] == [
        ("Ana Smith", START + 2 * DAY, None),
        ("Bo Chen", START + 3 * DAY, "Unsubscribed from SMS.")]
    assert upcoming[0].step_label == "Send SMS"


def test_preview_follows_waits_and_quiet_hours_like_the_tick(clinic):
    ana = clinic.patient()
    # Wed 2 Dec 08:30 in Sydney; 12 hours before is 20:30 on Tuesday, in quiet hours.
    clinic.book(ana, datetime(2026, 12, 1, 21, 30, tzinfo=UTC))
    clinic.sync()
    reminder = clinic.automation(Trigger.UPCOMING, offset_minutes=12 * 60)
    [row] = preview.preview(reminder, START)[1]
    assert row.send_at == datetime(2026, 12, 1, 21, 0, tzinfo=UTC) and row.reason is None
    clinic.tick(datetime(2026, 12, 1, 9, 31, tzinfo=UTC))  # the run now waits for the morning
    [row] = preview.preview(reminder, datetime(2026, 12, 1, 9, 32, tzinfo=UTC))[1]
    assert row.send_at == datetime(2026, 12, 1, 21, 0, tzinfo=UTC)
    thanks = clinic.automation(Trigger.FINISHED, [AutomationStep(type="wait", wait_minutes=2 * 1440),
                                                  clinic.email_step()])
    ends = clinic.appointment(row.appointment_id).ends_at
    [row] = preview.preview(thanks, START)[1]
    assert row.send_at == ends + HOUR + 2 * DAY and row.step_label == "Send email"


def test_backfill_preview_names_exactly_who_confirming_would_message(clinic):
    ana, bo, _ = _people(clinic)
    visits = [clinic.book(ana, START + 2 * DAY), clinic.book(bo, START + 2 * DAY)]
    clinic.sync()
    clinic.at(START + HOUR)
    for visit in visits:
        clinic.world.cancel_appointment(visit)
    clinic.sync()
    nudge = clinic.automation(Trigger.CANCELLED, [clinic.sms_step("marketing")])
    rows = preview.backfill(nudge, START + 30 * timedelta(minutes=1), START + 2 * HOUR)
    assert [(r.contact_name, r.reason) for r in rows] == [
        ("Ana Smith", None), ("Bo Chen", "Has not agreed to marketing by SMS (Pending).")]
    nudge.backfill_since = START + 30 * timedelta(minutes=1)
    db.session.commit()
    clinic.tick(START + 2 * HOUR)
    assert clinic.sent_to(nudge) == ["+61412345678"]
    assert preview.backfill(nudge, nudge.backfill_since, START + 2 * HOUR) == []


def test_backfill_preview_leaves_out_visits_before_go_live_as_the_tick_does(db, sandbox, app, monkeypatch):
    """A backfill date before the integration went live: visits before go-live are not listed, nor sent."""
    import time_machine

    from oncord.sync import connection as connections
    from tests.automations.conftest import Clinic

    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "Australia/Sydney")
    with time_machine.travel(START, tick=True) as traveller:
        ana = sandbox.world.create_patient(first_name="Ana", last_name="Smith", patient_phone_numbers=[
            {"number": "0412 345 678", "phone_type": "Mobile"}])
        sandbox.world.book_appointment(ana["id"], starts_at=START - 2 * DAY)  # before go-live
        connection = connections.connect(sandbox.api_key, base_url=sandbox.base_url)
        db.session.commit()
        clinic = Clinic(sandbox, connection, traveller)
        clinic.sync()  # go-live
        clinic.at(START + HOUR)
        bo = clinic.patient("Bo", "Chen")
        clinic.book(bo, START + 2 * HOUR)  # after go-live: finishes, its thank-you is due at once
        clinic.sync()
        clinic.at(START + 5 * HOUR)
        thanks = clinic.automation(Trigger.FINISHED, enabled=False)
        since = START - 3 * DAY
        rows = preview.backfill(thanks, since, clinic.now())
        assert [row.contact_name for row in rows] == ["Bo Chen"]
        thanks.enabled, thanks.enabled_at, thanks.backfill_since = True, clinic.now(), since
        db.session.commit()
        clinic.tick()
        assert [m.contact_id for m in clinic.messages(thanks)] == [clinic.contact(bo).id]
