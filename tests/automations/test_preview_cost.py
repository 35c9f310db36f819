"""The preview reads what its checks need in a few queries: its statements do not grow with its
rows, and its bulk-read answers are the ones the tick's per-run checks give."""
from datetime import datetime, timedelta, timezone

import pytest
from flask import render_template
from sqlalchemy import event, func

from oncord.automations import decisions, preview, triggers
from oncord.extensions import db as _db
from oncord.messaging import suppressions
from oncord.models import (
    ActivityEvent, Appointment, Automation, AutomationLog, AutomationStep, ClinikoConnection, MessageTemplate,
)
from tests.factories import ContactFactory

UTC = timezone.utc
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 12:00 in Sydney: no quiet hours
DAY = timedelta(days=1)


def _clinic(db, people: int) -> None:
    """`people` patients, each with a visit last week, and every other one a visit this week and one
    next month; every third got a tagged message lately, every fifth is erased, every fourth
    cancelled last week."""
    if db.session.query(ClinikoConnection).count() == 0:
        db.session.add(ClinikoConnection(live_since=NOW - 400 * DAY))
    next_id = (db.session.query(func.max(Appointment.id)).scalar() or 0) + 1
    for i in range(people):
        contact = ContactFactory(linked=True, sms_status="subscribed", email_status="subscribed")
        db.session.flush()
        later = (NOW + 3 * DAY + i * timedelta(minutes=7), NOW + 40 * DAY) if i % 2 == 0 else ()
        for start in (NOW - 3 * DAY - i * timedelta(minutes=7), *later):
            cancelled = start < NOW and i % 4 == 0
            db.session.add(Appointment(id=next_id, contact_id=contact.id, starts_at=start,
                                       ends_at=start + timedelta(minutes=30),
                                       cancelled_at=start - DAY if cancelled else None))
            for kind in ("appointment_booked",) + (("appointment_cancelled",) if cancelled else ()):
                db.session.add(ActivityEvent(contact_id=contact.id, appointment_id=next_id, kind=kind,
                                             occurred_at=NOW - 4 * DAY, recorded_at=NOW - 4 * DAY))
            next_id += 1
        for at in (NOW - DAY / 2, NOW - 2 * DAY, NOW - 5 * DAY) if i % 3 == 0 else ():
            db.session.add(AutomationLog(at=at, automation_id=_other(db).id, contact_id=contact.id,
                                         outcome="sent", tag="recall"))
        if i % 5 == 0:
            suppressions.suppression_for(contact, reason="erased")
    db.session.commit()


def _other(db) -> Automation:
    other = db.session.query(Automation).filter_by(name="Other recall").one_or_none()
    if other is None:
        other = Automation(name="Other recall", trigger="no_return", no_return_days=90)
        db.session.add(other)
        db.session.flush()
    return other


def _automation(db, trigger: str, **fields) -> Automation:
    template = MessageTemplate(name=f"T {trigger}", channel="sms", kind="factual", body="Hi")
    db.session.add(template)
    db.session.flush()
    automation = Automation(name=trigger, trigger=trigger, enabled=False, tag="recall",
                            skip_if_messaged_within_days=3, **fields)
    automation.steps.append(AutomationStep(position=0, type="sms", template_id=template.id, kind="factual"))
    db.session.add(automation)
    db.session.commit()
    return automation


AUTOMATIONS = [("upcoming", {"offset_minutes": 1440}), ("booked", {"first_appointment_only": True}),
               ("no_return", {"no_return_days": 2}), ("cancelled", {})]


def _statements(call) -> tuple[int, object]:
    count = [0]

    def counted(*_args):
        count[0] += 1

    _db.session.expire_all()
    event.listen(_db.engine, "before_cursor_execute", counted)
    try:
        result = call()
    finally:
        event.remove(_db.engine, "before_cursor_execute", counted)
    return count[0], result


def _costs(db, app, people: int) -> dict:
    _clinic(db, people)
    costs = {}
    for trigger, fields in AUTOMATIONS:
        automation = _automation(db, trigger, **fields)
        with app.test_request_context():
            statements, (past, upcoming) = _statements(lambda: preview.preview(automation, NOW))
            backfill_statements, rows = _statements(lambda: preview.backfill(automation, NOW - 7 * DAY, NOW))
        costs[trigger] = (statements, backfill_statements, len(past) + len(upcoming) + len(rows))
    return costs


def test_the_preview_statements_do_not_grow_with_its_rows(db, app, monkeypatch):
    """The same statements for 2 patients and for 26 (as many rows again and more), every trigger."""
    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "Australia/Sydney")
    small = _costs(db, app, 2)
    big = _costs(db, app, 24)  # on top of the first two
    assert {k: v[:2] for k, v in small.items()} == {k: v[:2] for k, v in big.items()}, (small, big)
    assert all(big[k][2] > 5 * small[k][2] > 0 for k in big), (small, big)
    assert all(statements <= 12 and backfill <= 12 for statements, backfill, _ in big.values()), big


@pytest.mark.parametrize("trigger,fields", AUTOMATIONS)
def test_bulk_read_answers_are_the_tick_checks_answers(db, app, monkeypatch, trigger, fields):
    """Every row decided from the preloaded facts equals the row decided with the tick's per-run queries."""
    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "Australia/Sydney")
    _clinic(db, 15)
    automation = _automation(db, trigger, **fields)
    with app.test_request_context():
        past, upcoming = preview.preview(automation, NOW)
        candidates = preview._candidates(automation, NOW - preview.WINDOW, NOW, NOW)
        candidates += triggers.time_candidates(automation, NOW, NOW + preview.WINDOW)
        one_by_one = {(r.appointment_id, r.send_at): r for r in
                      (preview.row_for(automation, c, facts=decisions.LIVE) for c in candidates)}
    rows = list(past) + list(upcoming)
    assert rows and {(r.appointment_id, r.send_at): r for r in rows} == one_by_one
    reasons = {r.reason for r in rows}
    assert "This person was erased from oncord and must not be contacted." in reasons
    if trigger != "booked":  # first-appointment-only: later visits skip before spacing is asked
        assert any(r and r.startswith("Got a message from an automation tagged “recall”") for r in reasons)
    assert None in reasons


def test_the_page_lists_the_first_rows_and_says_how_many_more(db, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "Australia/Sydney")
    monkeypatch.setattr(preview, "SHOWN", 4)
    _clinic(db, 20)  # 10 with a visit this week
    automation = _automation(db, "upcoming", offset_minutes=1440)
    past, upcoming = preview.preview(automation, NOW)
    assert (len(upcoming), upcoming.total, upcoming.more) == (4, 10, 6)
    assert upcoming.sending + upcoming.skipped == 10 and upcoming.skipped >= 2
    with app.test_request_context():
        html = render_template("automations/_preview.html", past=past, upcoming=upcoming)
    assert "and 6 more not listed here" in html
    assert f"{upcoming.sending} to send, {upcoming.skipped} skipped" in html
