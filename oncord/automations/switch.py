"""Switching an automation on and off. Switching on never replays the past: the engine counts only
activity after `enabled_at`, unless staff confirmed "also send for activity since <date>"."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from oncord.models import Automation

BACKFILL_DAYS = 7  # as far back as the preview looks, so staff see everyone it would reach


class BadBackfillDate(ValueError):
    pass


def backfill_start(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The start of the chosen day in the clinic's zone, as UTC; within the last BACKFILL_DAYS days."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise BadBackfillDate("Choose a date, such as 2026-11-20.") from None
    today = now.astimezone(zone).date()
    if day > today:
        raise BadBackfillDate("Choose today or a day before it.")
    if day < today - timedelta(days=BACKFILL_DAYS):
        raise BadBackfillDate(f"Choose a day in the last {BACKFILL_DAYS} days.")
    return datetime.combine(day, time(), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def enable(automation: Automation, now: datetime, backfill_since: datetime | None = None) -> None:
    automation.enabled = True
    automation.enabled_at = now
    automation.backfill_since = backfill_since


def disable(automation: Automation) -> None:
    automation.enabled = False
    automation.backfill_since = None
