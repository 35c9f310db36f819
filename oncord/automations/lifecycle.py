"""Switching an automation on and off: the moment it goes on is where its activity begins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from oncord.extensions import db
from oncord.models import Automation, AutomationRun, RunStatus
from oncord.timestamps import utcnow

DELETED = "The automation was deleted."


class BackfillInFuture(ValueError):
    """"Also send for activity since <date>" needs a date in the past."""


def switch_on(automation: Automation, *, backfill_since: datetime | None = None, now: datetime | None = None) -> None:
    """Enable from now: only activity after this moment counts, or after a confirmed
    `backfill_since` (show `preview.backfill` first). The caller commits; the tick is scheduled."""
    now = now or utcnow()
    if backfill_since is not None and backfill_since > now:
        raise BackfillInFuture("The date to send from must be in the past.")
    automation.enabled = True
    automation.enabled_at = now
    automation.backfill_since = backfill_since
    automation.scanned_to = None
    _schedule_tick()


def switch_off(automation: Automation) -> None:
    """Runs in progress stop at their next step ("The automation was switched off.")."""
    automation.enabled = False
    automation.backfill_since = None


def delete(automation: Automation, *, now: datetime | None = None) -> None:
    """Off for good and gone from the list; its waiting runs stop now. The run log and the messages
    stay (what was sent is still on record, and still counts for spacing). The caller commits."""
    switch_off(automation)
    automation.deleted_at = now or utcnow()
    db.session.execute(update(AutomationRun).where(
        AutomationRun.automation_id == automation.id, AutomationRun.status == RunStatus.WAITING.value,
    ).values(status=RunStatus.STOPPED.value, stop_reason=DELETED, next_at=None))


def _schedule_tick() -> None:
    from oncord.automations import schedule

    try:
        schedule.ensure_scheduled()
    except Exception:  # Redis down: the workers' scheduled-jobs check puts it back within a minute
        import logging

        logging.getLogger(__name__).warning("could not schedule the automations tick now", exc_info=True)
