"""Switching an automation on and off: the moment it goes on is where its activity begins."""
from __future__ import annotations

from datetime import datetime

from oncord.models import Automation
from oncord.timestamps import utcnow


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


def _schedule_tick() -> None:
    from oncord.automations import schedule

    try:
        schedule.ensure_scheduled()
    except Exception:  # Redis down: the workers' scheduled-jobs check puts it back within a minute
        import logging

        logging.getLogger(__name__).warning("could not schedule the automations tick now", exc_info=True)
