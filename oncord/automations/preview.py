"""What an automation would do: whom it would have messaged in the last 7 days, whom it will
message in the next 7, when, and why each skip. The same trigger and decision code as the tick."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from oncord.automations import clinic_time, decisions, triggers
from oncord.extensions import db
from oncord.models import Appointment, Automation, AutomationRun, Contact, RunStatus, StepType
from oncord.timestamps import utcnow

WINDOW = timedelta(days=7)
LIMIT = 500  # rows per list: a preview, not an export


@dataclass(frozen=True, slots=True)
class PreviewRow:
    send_at: datetime  # UTC; shown in clinic time
    contact_id: int | None
    contact_name: str
    appointment_id: int
    appointment_starts_at: datetime
    step_position: int | None  # the first message step (None: the run never starts)
    step_label: str
    reason: str | None  # why it is skipped; None: it sends

    @property
    def skipped(self) -> bool:
        return self.reason is not None


def preview(automation: Automation, now: datetime | None = None) -> tuple[list[PreviewRow], list[PreviewRow]]:
    """(past, upcoming): the last 7 days as if it had been on, and the next 7 days."""
    now = now or utcnow()
    past = [row_for(automation, c) for c in _candidates(automation, now - WINDOW, now, now)][:LIMIT]
    upcoming = _waiting_rows(automation, now, now + WINDOW)
    seen = {(row.appointment_id, row.send_at) for row in upcoming}
    for candidate in triggers.time_candidates(automation, now, now + WINDOW):
        row = row_for(automation, candidate)
        if (row.appointment_id, row.send_at) not in seen:
            upcoming.append(row)
    return past, sorted(upcoming, key=lambda r: r.send_at)[:LIMIT]


def backfill(automation: Automation, since: datetime, now: datetime | None = None) -> list[PreviewRow]:
    """Exactly whom "also send for activity since <date>" would message now (before it is confirmed)."""
    now = now or utcnow()
    live_since = triggers.go_live()
    if live_since is None:
        return []  # not live yet: the tick sends nothing either
    rows = []
    for candidate in _candidates(automation, max(since, live_since), now, now):  # as triggers.start_point
        key = triggers.run_key(automation.id, candidate.appointment.id, candidate.occurrence)
        if db.session.scalar(select(AutomationRun.id).where(AutomationRun.key == key)) is None:
            rows.append(row_for(automation, candidate))
    return rows[:LIMIT]


def _candidates(automation: Automation, lo: datetime, hi: datetime, now: datetime) -> list[triggers.Candidate]:
    found = triggers.event_candidates(automation, lo, hi, occurred_since=lo, now=now)
    found += triggers.time_candidates(automation, lo, hi)
    unique: dict[str, triggers.Candidate] = {}
    for candidate in found:
        unique.setdefault(f"{candidate.appointment.id}:{candidate.occurrence}", candidate)
    return sorted(unique.values(), key=lambda c: c.due_at)


def row_for(automation: Automation, candidate: triggers.Candidate, *, start_position: int = 0,
            at: datetime | None = None) -> PreviewRow:
    """The run's first message step from `start_position`, timed and checked as the tick would."""
    appointment = candidate.appointment
    contact = db.session.get(Contact, appointment.contact_id) if appointment.contact_id else None
    send_at = at or candidate.due_at
    step, reason = None, decisions.why_not_start(automation, candidate) if start_position == 0 else None
    if reason is None:
        for step in (s for s in automation.steps if s.position >= start_position):
            if step.type == StepType.WAIT.value:
                send_at = clinic_time.plus_offset(send_at, step.wait_minutes or 0)  # as the tick
                continue
            break
        else:
            step = None
        starts_at = appointment.starts_at
        reason = decisions.why_stop(automation, appointment, candidate.occurrence, send_at, starts_at=starts_at)
        if reason is None and step is not None and step.type in (StepType.EMAIL.value, StepType.SMS.value):
            reason = (decisions.unsubscribed_reason(contact, step)
                      or decisions.why_not_send(automation, step, contact, run_id=None, now=send_at))
            if reason is None:
                until, reason = decisions.quiet_hours_delay(step, automation, starts_at, send_at)
                send_at = until or send_at
        elif step is None and reason is None:
            reason = "The workflow has no message steps."
    name = " ".join(p for p in ((contact.first_name or ""), (contact.last_name or "")) if p) if contact else ""
    return PreviewRow(send_at=send_at, contact_id=contact.id if contact else None, contact_name=name or "Unknown",
                      appointment_id=appointment.id, appointment_starts_at=appointment.starts_at,
                      step_position=step.position if step else None,
                      step_label=step.type and StepType(step.type).label if step else "", reason=reason)


def _waiting_rows(automation: Automation, lo: datetime, hi: datetime) -> list[PreviewRow]:
    """Runs already started and waiting (a Wait step, quiet hours): their next message."""
    runs = db.session.scalars(select(AutomationRun).where(
        AutomationRun.automation_id == automation.id, AutomationRun.status == RunStatus.WAITING.value,
        AutomationRun.next_at <= hi).order_by(AutomationRun.next_at).limit(LIMIT))
    rows = []
    for run in runs:
        appointment = db.session.get(Appointment, run.appointment_id) if run.appointment_id else None
        if appointment is None:
            continue
        candidate = triggers.Candidate(appointment, run.occurrence, run.triggered_at)
        rows.append(row_for(automation, candidate, start_position=run.next_step, at=max(run.next_at, lo)))
    return rows


