"""The day staff pick for "also send for activity since <date>" when switching an automation on
(`lifecycle.switch_on` does the switching): a clinic-time day, no further back than the preview looks."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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
