"""What automations did, for staff: counts on the list, the next send, and the run log pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from oncord.automations import preview, triggers
from oncord.extensions import db
from oncord.models import Appointment, Automation, AutomationLog, AutomationRun
from oncord.models.automation import Outcome, RunStatus

LOG_PAGE_SIZE = 50
NEXT_SEND_WINDOWS = (timedelta(hours=1), timedelta(days=1), timedelta(days=7))  # widened until a send is found


@dataclass(frozen=True, slots=True)
class Summary:
    sent: int = 0
    skipped: int = 0
    next_at: datetime | None = None


def list_automations() -> list[Automation]:
    return list(db.session.scalars(select(Automation).where(Automation.deleted_at.is_(None)).order_by(Automation.name, Automation.id)))


def summaries(automations: list[Automation], now: datetime) -> dict[int, Summary]:
    """Sent and skipped in the last 7 days and the next send, per automation: the earlier of a waiting
    run's next step and `next_send` (for runs not started yet)."""
    ids = [a.id for a in automations]
    if not ids:
        return {}
    counts = {(a, o): n for a, o, n in db.session.execute(
        select(AutomationLog.automation_id, AutomationLog.outcome, func.count())
        .where(AutomationLog.automation_id.in_(ids), AutomationLog.at >= now - timedelta(days=7))
        .group_by(AutomationLog.automation_id, AutomationLog.outcome))}
    waiting = dict(db.session.execute(
        select(AutomationRun.automation_id, func.min(AutomationRun.next_at))
        .where(AutomationRun.automation_id.in_(ids), AutomationRun.status == RunStatus.WAITING.value)
        .group_by(AutomationRun.automation_id)).all())
    result = {}
    for automation in automations:
        i = automation.id
        times = [t for t in (waiting.get(i), next_send(automation, now) if automation.enabled else None) if t]
        result[i] = Summary(sent=counts.get((i, Outcome.SENT.value), 0), skipped=counts.get((i, Outcome.SKIPPED.value), 0),
                            next_at=min(times) if times else None)
    return result


@dataclass(frozen=True, slots=True)
class LogPage:
    rows: list[AutomationLog]
    page: int
    has_next: bool


def log_page(automation_id: int, page: int) -> LogPage:
    """Newest first; pages of LOG_PAGE_SIZE (the index on automation, time, id keeps each page cheap)."""
    page = min(max(page, 1), 10_000)
    rows = list(db.session.scalars(
        select(AutomationLog).where(AutomationLog.automation_id == automation_id)
        .order_by(AutomationLog.at.desc(), AutomationLog.id.desc())
        .offset((page - 1) * LOG_PAGE_SIZE).limit(LOG_PAGE_SIZE + 1)))
    return LogPage(rows[:LOG_PAGE_SIZE], page, len(rows) > LOG_PAGE_SIZE)


def appointments_of(rows: list[AutomationLog]) -> dict[int, Appointment]:
    """The appointments a log page names, in one query."""
    ids = {r.appointment_id for r in rows if r.appointment_id}
    return {a.id: a for a in db.session.scalars(select(Appointment).where(Appointment.id.in_(ids)))} if ids else {}


def next_send(automation: Automation, now: datetime) -> datetime | None:
    """The first time-triggered message still to start in the next 7 days that the preview says is sent.

    A busy clinic has thousands of appointments a week: look an hour ahead first, then a day, then
    the week, and check candidates in time order only until one is not skipped.
    """
    for window in NEXT_SEND_WINDOWS:
        for candidate in sorted(triggers.time_candidates(automation, now, now + window), key=lambda c: c.due_at):
            row = preview.row_for(automation, candidate)
            if not row.skipped:
                return row.send_at
    return None


def waiting_runs(automation_id: int | None) -> int:
    """Runs of this automation waiting for their next step: editing the steps changes what they do next."""
    if automation_id is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(AutomationRun).where(
        AutomationRun.automation_id == automation_id, AutomationRun.status == RunStatus.WAITING.value)) or 0
