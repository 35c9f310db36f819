"""What an automation would do: whom it would have messaged in the last 7 days, whom it will
message in the next 7, when, and why each skip. The same trigger and decision code as the tick.

A busy clinic has thousands of rows a week, so everything the checks need (contacts, other
appointments, erased addresses, tagged sends, started runs) is read in a few queries up front
and handed to the decision functions as `PreloadedFacts`: the number of statements does not
grow with the rows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from oncord.automations import clinic_time, decisions, triggers
from oncord.automations.facts import PreloadedFacts, chunks
from oncord.extensions import db
from oncord.models import Appointment, Automation, AutomationRun, Contact, RunStatus, StepType
from oncord.timestamps import utcnow

WINDOW = timedelta(days=7)
SHOWN = 200  # rows listed per list: a preview, not an export ("and N more" says the rest)


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


class PreviewList(list):
    """The first SHOWN rows, with the counts of all of them."""

    def __init__(self, rows: list[PreviewRow]):
        super().__init__(rows[:SHOWN])
        self.total = len(rows)
        self.skipped = sum(1 for row in rows if row.skipped)
        self.sending = self.total - self.skipped
        self.more = self.total - len(self)


@dataclass(frozen=True, slots=True)
class _Started:
    """A run already started and waiting: where its workflow resumes."""
    candidate: triggers.Candidate
    position: int
    at: datetime


def preview(automation: Automation, now: datetime | None = None) -> tuple[PreviewList, PreviewList]:
    """(past, upcoming): the last 7 days as if it had been on, and the next 7 days."""
    now = now or utcnow()
    past_candidates = _candidates(automation, now - WINDOW, now, now)
    started = _waiting(automation, now, now + WINDOW)
    later = triggers.time_candidates(automation, now, now + WINDOW)
    every = past_candidates + later + [s.candidate for s in started]
    contacts = _contacts(every)
    facts = PreloadedFacts(automation, contacts, now - WINDOW)
    past = [row_for(automation, c, contacts=contacts, facts=facts) for c in past_candidates]
    upcoming = [row_for(automation, s.candidate, start_position=s.position, at=s.at, contacts=contacts, facts=facts)
                for s in started]
    seen = {(row.appointment_id, row.send_at) for row in upcoming}
    for candidate in later:
        row = row_for(automation, candidate, contacts=contacts, facts=facts)
        if (row.appointment_id, row.send_at) not in seen:
            upcoming.append(row)
    return PreviewList(past), PreviewList(sorted(upcoming, key=lambda r: r.send_at))


def backfill(automation: Automation, since: datetime, now: datetime | None = None) -> PreviewList:
    """Exactly whom "also send for activity since <date>" would message now (before it is confirmed)."""
    now = now or utcnow()
    live_since = triggers.go_live()
    if live_since is None:
        return PreviewList([])  # not live yet: the tick sends nothing either
    since = max(since, live_since)  # as triggers.start_point
    candidates = _candidates(automation, since, now, now)
    keys = {triggers.run_key(automation.id, c.appointment.id, c.occurrence): c for c in candidates}
    started = set()
    for chunk in chunks(keys):
        started.update(db.session.scalars(select(AutomationRun.key).where(AutomationRun.key.in_(chunk))))
    fresh = [c for key, c in keys.items() if key not in started]
    contacts = _contacts(fresh)
    facts = PreloadedFacts(automation, contacts, since)
    return PreviewList([row_for(automation, c, contacts=contacts, facts=facts) for c in fresh])


def _candidates(automation: Automation, lo: datetime, hi: datetime, now: datetime) -> list[triggers.Candidate]:
    found = triggers.event_candidates(automation, lo, hi, occurred_since=lo, now=now)
    found += triggers.time_candidates(automation, lo, hi)
    unique: dict[str, triggers.Candidate] = {}
    for candidate in found:
        unique.setdefault(f"{candidate.appointment.id}:{candidate.occurrence}", candidate)
    return sorted(unique.values(), key=lambda c: c.due_at)


def _contacts(candidates: list[triggers.Candidate]) -> dict[int, Contact]:
    ids = {c.appointment.contact_id for c in candidates if c.appointment.contact_id}
    found: dict[int, Contact] = {}
    for chunk in chunks(ids):
        found.update((c.id, c) for c in db.session.scalars(select(Contact).where(Contact.id.in_(chunk))))
    return found


def row_for(automation: Automation, candidate: triggers.Candidate, *, start_position: int = 0,
            at: datetime | None = None, contacts: dict[int, Contact] | None = None,
            facts: decisions.LiveFacts = decisions.LIVE) -> PreviewRow:
    """The run's first message step from `start_position`, timed and checked as the tick would."""
    appointment = candidate.appointment
    if contacts is not None:
        contact = contacts.get(appointment.contact_id)
    else:
        contact = db.session.get(Contact, appointment.contact_id) if appointment.contact_id else None
    send_at = at or candidate.due_at
    step, reason = None, decisions.why_not_start(automation, candidate, facts) if start_position == 0 else None
    if reason is None:
        for step in (s for s in automation.steps if s.position >= start_position):
            if step.type == StepType.WAIT.value:
                send_at = clinic_time.plus_offset(send_at, step.wait_minutes or 0)  # as the tick
                continue
            break
        else:
            step = None
        starts_at = appointment.starts_at
        reason = decisions.why_stop(automation, appointment, candidate.occurrence, send_at, starts_at=starts_at,
                                    facts=facts)
        if reason is None and step is not None and step.type in (StepType.EMAIL.value, StepType.SMS.value):
            reason = (decisions.unsubscribed_reason(contact, step)
                      or decisions.why_not_send(automation, step, contact, run_id=None, now=send_at, facts=facts))
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


def _waiting(automation: Automation, lo: datetime, hi: datetime) -> list[_Started]:
    """Runs already started and waiting (a Wait step, quiet hours), with their appointments."""
    runs = db.session.scalars(select(AutomationRun).where(
        AutomationRun.automation_id == automation.id, AutomationRun.status == RunStatus.WAITING.value,
        AutomationRun.next_at <= hi).order_by(AutomationRun.next_at)).all()
    appointments: dict[int, Appointment] = {}
    for chunk in chunks({run.appointment_id for run in runs if run.appointment_id}):
        appointments.update((a.id, a) for a in db.session.scalars(select(Appointment).where(Appointment.id.in_(chunk))))
    return [_Started(triggers.Candidate(appointments[run.appointment_id], run.occurrence, run.triggered_at),
                     run.next_step, max(run.next_at, lo))
            for run in runs if run.appointment_id in appointments]


def due_between(automation: Automation, lo: datetime, hi: datetime) -> PreviewList:
    """The sends of a time-triggered automation falling in [lo, hi), read as `preview` reads its
    "upcoming" list (runs already waiting, then appointments falling due): the dashboard's
    "reminders due" counts exactly what the automation's own page shows."""
    started = _waiting(automation, lo, hi)
    later = triggers.time_candidates(automation, lo, hi)
    contacts = _contacts(later + [s.candidate for s in started])
    facts = PreloadedFacts(automation, contacts, lo)
    rows = [row_for(automation, s.candidate, start_position=s.position, at=s.at, contacts=contacts, facts=facts)
            for s in started]
    seen = {(row.appointment_id, row.send_at) for row in rows}
    for candidate in later:
        row = row_for(automation, candidate, contacts=contacts, facts=facts)
        if (row.appointment_id, row.send_at) not in seen:
            rows.append(row)
    return PreviewList(sorted((row for row in rows if lo <= row.send_at < hi), key=lambda r: r.send_at))
