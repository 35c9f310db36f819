"""The every-minute tick: start the runs that fell due, then advance every run whose next time passed.

Safe when two workers run it at once: a run is created under a unique key, claimed with a
conditional UPDATE (its next_at moves a lease ahead, so a worker that dies mid-step leaves it
to a later tick), and every send goes through `deliver()` under its own key, so a step that is
run twice sends once.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from oncord.automations import clinic_time, decisions, steps as step_runner, triggers, truth
from oncord.extensions import db
from oncord.messaging.message_templates import clinic_identity
from oncord.models import (
    Appointment, Automation, AutomationLog, AutomationRun, AutomationStep, ClinikoConnection, Contact, Outcome,
    RunStatus, StepType, Trigger,
)
from oncord.timestamps import utcnow

log = logging.getLogger(__name__)

BATCH = 500  # due runs read at a time
TIME_BUDGET = timedelta(seconds=45)  # then the tick ends; the next minute's takes up the rest
RETRY_EVERY = timedelta(minutes=1)
WATERMARK_EVERY = timedelta(minutes=5)  # asking Cliniko again for the truth check


@dataclass
class TickReport:
    started: int = 0  # runs created
    advanced: int = 0  # runs this worker claimed and advanced
    outcomes: dict[str, int] = field(default_factory=dict)


def tick(now: datetime | None = None, checker: truth.TruthChecker | None = None) -> TickReport:
    """One tick: start what fell due up to `now`, then advance the runs due by `now`."""
    now = now or utcnow()
    report = TickReport()
    live_since = db.session.scalar(select(ClinikoConnection.live_since).order_by(ClinikoConnection.id).limit(1))
    automations = db.session.scalars(select(Automation).where(Automation.enabled.is_(True))).all()
    for automation in automations:
        report.started += start_runs(automation, live_since, now)
    # One watermark UPDATE for all, every few minutes (an idle tick then writes nothing; the windows
    # re-read a few minutes more); only forward, as two workers may both get here.
    behind = [a.id for a in automations if a.scanned_to is None or a.scanned_to <= now - WATERMARK_EVERY]
    if behind:
        db.session.execute(update(Automation).where(
            Automation.id.in_(behind), or_(Automation.scanned_to.is_(None), Automation.scanned_to < now),
        ).values(scanned_to=now, updated_at=Automation.updated_at))  # not an edit: "updated" stays
        db.session.commit()
    own_checker = checker is None
    checker = checker or truth.TruthChecker()
    try:
        report.advanced = advance_due(now, checker, report)
    finally:
        if own_checker:
            checker.close()
    db.session.commit()
    return report


# Starting runs ------------------------------------------------------------------------------------

def candidates_between(automation: Automation, since: datetime, now: datetime) -> list[triggers.Candidate]:
    """What fell due since the watermark (re-reading a small overlap); events first, so a late
    booking keeps its "late" mark when the window also sees it."""
    scanned = automation.scanned_to
    window_from = max(since, scanned - triggers.WINDOW_OVERLAP) if scanned else since
    events_from = max(since, scanned - triggers.EVENT_OVERLAP) if scanned else since
    found = triggers.event_candidates(automation, events_from, now, occurred_since=since, now=now)
    found += triggers.time_candidates(automation, window_from, now)
    unique: dict[str, triggers.Candidate] = {}
    for candidate in found:
        unique.setdefault(triggers.run_key(automation.id, candidate.appointment.id, candidate.occurrence), candidate)
    return list(unique.values())


def start_runs(automation: Automation, live_since: datetime | None, now: datetime) -> int:
    since = triggers.start_point(automation, live_since)
    if since is None:
        return 0
    candidates = candidates_between(automation, since, now)
    started = 0
    for chunk_start in range(0, len(candidates), BATCH):
        chunk = {triggers.run_key(automation.id, c.appointment.id, c.occurrence): c
                 for c in candidates[chunk_start:chunk_start + BATCH]}
        seen = set(db.session.scalars(select(AutomationRun.key).where(AutomationRun.key.in_(list(chunk)))))
        created = [key for key, candidate in chunk.items()
                   if key not in seen and create_run(automation, key, candidate, now)]
        if created:
            db.session.commit()
            started += len(created)
    return started


def create_run(automation: Automation, key: str, candidate: triggers.Candidate, now: datetime) -> bool:
    """Record the run (or its skip); False when another worker recorded it first."""
    reason = decisions.why_not_start(automation, candidate)
    run = AutomationRun(
        key=key, automation_id=automation.id, contact_id=candidate.contact_id,
        appointment_id=candidate.appointment.id, occurrence=candidate.occurrence, triggered_at=candidate.due_at,
        next_step=0, next_at=None if reason else max(candidate.due_at, now) if candidate.late else candidate.due_at,
        status=RunStatus.SKIPPED.value if reason else RunStatus.WAITING.value, stop_reason=reason,
    )
    try:
        with db.session.begin_nested():
            db.session.add(run)
            db.session.flush()
    except IntegrityError:
        return False
    if reason:
        write_log(run, automation, None, Outcome.SKIPPED.value, reason, at=now)
    return True


# Advancing runs -----------------------------------------------------------------------------------

def advance_due(now: datetime, checker: truth.TruthChecker, report: TickReport) -> int:
    """Advance due runs in batches until none is left or the minute's budget is spent (the next
    tick takes up the rest; a run is claimed once, so overlapping ticks share the work)."""
    deadline = time.monotonic() + TIME_BUDGET.total_seconds()
    identity = None
    advanced = 0
    while time.monotonic() < deadline:
        due = db.session.scalars(
            select(AutomationRun.id).where(AutomationRun.status == RunStatus.WAITING.value,
                                           AutomationRun.next_at <= now)
            .order_by(AutomationRun.next_at).limit(BATCH)).all()
        db.session.commit()
        claimed = 0
        for run_id in due:
            if time.monotonic() >= deadline:
                break
            if not claim(run_id, now):
                continue  # another worker has it
            identity = identity or clinic_identity()
            advance(run_id, now, checker, identity, report)
            advanced += 1
            claimed += 1
        if len(due) < BATCH or not claimed:
            break
    return advanced


def lease() -> timedelta:
    """How long a claimed run is left to its worker; after that a dead worker's run is taken up."""
    return timedelta(seconds=current_app.config["AUTOMATION_LEASE_SECONDS"])


def claim(run_id: int, now: datetime) -> bool:
    """Move next_at a lease ahead if it is still due: exactly one worker's UPDATE matches."""
    result = db.session.execute(update(AutomationRun).where(
        AutomationRun.id == run_id, AutomationRun.status == RunStatus.WAITING.value, AutomationRun.next_at <= now,
    ).values(next_at=now + lease()))
    db.session.commit()
    return result.rowcount == 1


def advance(run_id: int, now: datetime, checker: truth.TruthChecker, identity, report: TickReport) -> None:
    """Run the run's steps from next_step until it waits, stops or is done; commits."""
    run = db.session.get(AutomationRun, run_id)
    automation = db.session.get(Automation, run.automation_id)
    appointment = db.session.get(Appointment, run.appointment_id) if run.appointment_id else None
    contact = db.session.get(Contact, run.contact_id) if run.contact_id else None
    starts_at = start_of(run, appointment)
    checked = False
    while True:
        step = next_step(automation, run.next_step)
        if step is None:
            finish(run, RunStatus.DONE, None)
            break
        if not automation.enabled:
            finish(run, RunStatus.STOPPED, "The automation was switched off.", automation, now)
            break
        if reason := decisions.why_stop(automation, appointment, run.occurrence, now, starts_at=starts_at):
            finish(run, RunStatus.STOPPED, reason, automation, now)
            break
        if step.type == StepType.WAIT.value:
            # Whole days keep the clinic's wall clock across a DST change, like the upcoming offset.
            run.next_step, run.next_at = step.position + 1, clinic_time.plus_offset(now, step.wait_minutes or 0)
            write_log(run, automation, step, Outcome.WAITING.value,
                      f"Waiting until {clinic_time.format_local(run.next_at)}.", at=now)
            break
        if step.type in (StepType.EMAIL.value, StepType.SMS.value):
            if reason := decisions.unsubscribed_reason(contact, step):
                finish(run, RunStatus.STOPPED, reason, automation, now, step)
                break
            if reason := decisions.why_not_send(automation, step, contact, run_id=run.id, now=now):
                skip_step(run, automation, step, reason, now, report)
                continue
            until, reason = decisions.quiet_hours_delay(step, automation, starts_at, now)
            if reason:
                skip_step(run, automation, step, reason, now, report)
                continue
            if until is not None:
                run.next_at = until
                write_log(run, automation, step, Outcome.WAITING.value,
                          f"Quiet hours ({clinic_time.quiet_hours_label()}): waiting until "
                          f"{clinic_time.format_local(until)}.", at=now)
                break
        if appointment is not None and not checked:
            verdict = check_truth(run, automation, appointment, step, starts_at, now, checker)
            if verdict is None:
                break  # Cliniko unreachable: the run waits (or was stopped)
            if verdict.stop_reason:
                finish(run, RunStatus.STOPPED, verdict.stop_reason, automation, now, step)
                if verdict.moved_to is not None:
                    retime(automation, appointment, verdict.moved_to, now)
                break
            checked = True
        shown = AppointmentAsOf(appointment, starts_at) if appointment is not None else None
        run_send_step(run, automation, step, contact, shown, identity, now, report)
    db.session.commit()


class AppointmentAsOf:
    """The appointment with the start the run was (re-)timed for: Cliniko's, maybe ahead of the sync."""

    def __init__(self, appointment: Appointment, starts_at: datetime | None):
        self._appointment = appointment
        self._shift = (starts_at - appointment.starts_at) if starts_at is not None else timedelta(0)

    @property
    def starts_at(self) -> datetime:
        return self._appointment.starts_at + self._shift

    @property
    def ends_at(self) -> datetime | None:
        ends_at = self._appointment.ends_at
        return ends_at + self._shift if ends_at is not None else None

    def __getattr__(self, name):
        return getattr(self._appointment, name)


def start_of(run: AutomationRun, appointment: Appointment | None) -> datetime | None:
    """Upcoming runs carry their start in the occurrence (a re-timed run may be ahead of the sync)."""
    if run.occurrence.startswith("start-"):
        return datetime.strptime(run.occurrence[6:], "%Y%m%dT%H%M%SZ").replace(tzinfo=clinic_time.UTC)
    return appointment.starts_at if appointment is not None else None


def next_step(automation: Automation, position: int) -> AutomationStep | None:
    return next((s for s in automation.steps if s.position >= position), None)


def run_send_step(run, automation, step, contact, appointment, identity, now, report) -> None:
    key = triggers.send_key(automation.id, step.position, run.appointment_id or 0, run.occurrence)
    if step.type == StepType.NOTIFY_STAFF.value:
        result = step_runner.notify_staff(automation, step, contact, appointment, key)
    else:
        result = step_runner.send(automation, step, contact, appointment, key, identity)
    write_log(run, automation, step, result.outcome, result.reason, at=now,
              message_id=result.message.id if result.message else None)
    report.outcomes[result.outcome] = report.outcomes.get(result.outcome, 0) + 1
    run.next_step = step.position + 1


def skip_step(run, automation, step, reason, now, report) -> None:
    write_log(run, automation, step, Outcome.SKIPPED.value, reason, at=now)
    report.outcomes[Outcome.SKIPPED.value] = report.outcomes.get(Outcome.SKIPPED.value, 0) + 1
    run.next_step = step.position + 1


def check_truth(run, automation, appointment, step, starts_at, now, checker) -> truth.Verdict | None:
    """Cliniko's word on the appointment; None when it cannot be asked (the run waits, or stops
    once the bounded retry time or the appointment's start is reached)."""
    try:
        fresh = checker.read(appointment.id)
    except truth.Unreachable:
        first = run.unreachable_since is None
        run.unreachable_since = run.unreachable_since or now
        give_up = run.unreachable_since + timedelta(minutes=current_app.config["AUTOMATION_TRUTH_RETRY_MINUTES"])
        if automation.trigger == Trigger.UPCOMING.value and starts_at is not None:
            give_up = min(give_up, starts_at)
        if now + RETRY_EVERY >= give_up:
            finish(run, RunStatus.STOPPED, "Cliniko could not be reached to check the appointment before "
                   "sending, so nothing was sent on old information.", automation, now, step)
        else:
            run.next_at = now + RETRY_EVERY
            if first:
                write_log(run, automation, step, Outcome.WAITING.value,
                          "Cliniko could not be reached to check the appointment; trying again every minute "
                          f"until {clinic_time.format_local(give_up)}.", at=now)
        return None
    run.unreachable_since = None
    return truth.verdict(automation, fresh, starts_at or appointment.starts_at)


def retime(automation: Automation, appointment: Appointment, new_start: datetime, now: datetime) -> None:
    """Cliniko moved the appointment since the last sync: a run for the new time (a new key)."""
    if new_start <= now:
        return
    occurrence = f"start-{new_start:%Y%m%dT%H%M%SZ}"
    due = clinic_time.minus_offset(new_start, automation.offset_minutes or 0)
    run = AutomationRun(key=triggers.run_key(automation.id, appointment.id, occurrence), automation_id=automation.id,
                        contact_id=appointment.contact_id, appointment_id=appointment.id, occurrence=occurrence,
                        triggered_at=due, next_step=0, next_at=max(due, now), status=RunStatus.WAITING.value)
    try:
        with db.session.begin_nested():
            db.session.add(run)
            db.session.flush()
    except IntegrityError:
        pass  # the sync's reschedule event got there first


def finish(run: AutomationRun, status: RunStatus, reason: str | None, automation: Automation | None = None,
           now: datetime | None = None, step: AutomationStep | None = None) -> None:
    run.status, run.stop_reason, run.next_at = status.value, reason, None
    if reason and automation is not None:
        write_log(run, automation, step, Outcome.SKIPPED.value, reason, at=now)


def write_log(run: AutomationRun, automation: Automation, step: AutomationStep | None, outcome: str,
              reason: str | None, *, at: datetime | None = None, message_id: int | None = None) -> AutomationLog:
    entry = AutomationLog(
        at=at or utcnow(), automation_id=automation.id, run_id=run.id, contact_id=run.contact_id,
        appointment_id=run.appointment_id, step_position=step.position if step else None,
        step_type=step.type if step else None, outcome=outcome, reason=reason, message_id=message_id,
        tag=decisions.spacing_tag(automation.tag) if outcome == Outcome.SENT.value else None)
    db.session.add(entry)
    return entry
