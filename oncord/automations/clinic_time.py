"""The clinic's wall clock: everything is stored and compared in UTC, shown and bounded here."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

UTC = timezone.utc


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


def local(at: datetime) -> datetime:
    return at.astimezone(clinic_zone())


def format_local(at: datetime) -> str:
    """'Sun 5 Apr 10:00' in the clinic's zone, the offset of that very day."""
    value = local(at)
    return f"{value:%a} {value.day} {value:%b} {value:%H:%M}"


def parse_quiet_hours(value: str) -> tuple[time, time]:
    """"20:00-08:00" -> (20:00, 08:00); ValueError in one sentence for anything else (checked at start-up,
    so a mistyped ONCORD_AUTOMATION_QUIET_HOURS stops the app instead of every automation tick)."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ValueError(f"ONCORD_AUTOMATION_QUIET_HOURS must be two 24-hour times like 20:00-08:00, "
                         f"not {value!r}.") from None
    return start, end


def quiet_hours() -> tuple[time, time]:
    """(start, end) of SMS quiet hours in clinic time, e.g. 20:00-08:00."""
    return parse_quiet_hours(current_app.config["AUTOMATION_QUIET_HOURS"])


def quiet_hours_label() -> str:
    start, end = quiet_hours()
    return f"{start:%H:%M}–{end:%H:%M}"


def quiet_until(at: datetime) -> datetime | None:
    """When quiet hours around `at` end (UTC), or None when `at` is not in quiet hours."""
    start, end = quiet_hours()
    if start == end:
        return None
    zone = clinic_zone()
    wall = at.astimezone(zone)
    now_t = wall.time()
    overnight = start > end
    inside = (now_t >= start or now_t < end) if overnight else (start <= now_t < end)
    if not inside:
        return None
    day = wall.date() if now_t < end else wall.date() + timedelta(days=1)
    # Built on the wall clock of that day: the morning is 08:00 whatever the DST offset.
    return datetime.combine(day, end, tzinfo=zone).astimezone(at.tzinfo)


def minus_offset(start: datetime, minutes: int) -> datetime:
    """`minutes` before `start`; whole days keep the wall-clock time across a DST change
    ("1 day before a 10:00 visit" is 10:00 the day before, not 09:00 or 11:00)."""
    if minutes and minutes % 1440 == 0:
        wall = start.astimezone(clinic_zone())
        earlier = (wall.replace(tzinfo=None) - timedelta(days=minutes // 1440)).replace(tzinfo=clinic_zone())
        return earlier.astimezone(start.tzinfo)
    return start - timedelta(minutes=minutes)


def plus_offset(due: datetime, minutes: int) -> datetime:
    """The inverse of `minus_offset`: the start whose reminder falls at `due`."""
    if minutes and minutes % 1440 == 0:
        wall = due.astimezone(clinic_zone())
        later = (wall.replace(tzinfo=None) + timedelta(days=minutes // 1440)).replace(tzinfo=clinic_zone())
        return later.astimezone(due.tzinfo)
    return due + timedelta(minutes=minutes)
