"""What staff ask of an audience: conditions combined with AND, saved as JSON on the campaign.

Dates are the clinic's calendar days; `bounds` turns a range into UTC instants for SQL.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STATUSES = {"attended": "attended", "cancelled": "cancelled", "did_not_arrive": "did not arrive"}
# Individual appointments, class attendances (a seat in a group appointment), or both when unset.
BOOKING_KINDS = {"individual": "Individual appointments", "group": "Group classes"}
UPCOMING = {"has": "Has an upcoming appointment", "none": "Has no upcoming appointment"}
LINKED = {"linked": "Linked to Cliniko", "not_linked": "Not linked to Cliniko"}


@dataclass(frozen=True)
class DateRange:
    """Absolute clinic-local dates (inclusive) or relative: last N days / next N days from today.

    `calendar_month`: 0 is this calendar month, -1 last month (what ready-made audiences use).
    """
    start: date | None = None
    end: date | None = None
    last_days: int | None = None
    next_days: int | None = None
    calendar_month: int | None = None

    def bounds(self, now: datetime, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """[from, to) in UTC. "Last N days" runs from local midnight N days ago up to now;
        "next N days" from now to the end of the Nth day ahead; either end may be open (None)."""
        today = now.astimezone(zone).date()
        if self.calendar_month is not None:
            first = _add_months(today.replace(day=1), self.calendar_month)
            return _midnight(first, zone, now), _midnight(_add_months(first, 1), zone, now)
        if self.last_days is not None:
            return _midnight(today - timedelta(days=self.last_days), zone, now), now
        if self.next_days is not None:
            return now, _midnight(today + timedelta(days=self.next_days + 1), zone, now)
        start = _midnight(self.start, zone, now) if self.start else None
        end = _midnight(self.end + timedelta(days=1), zone, now) if self.end else None
        return start, end

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def describe(self) -> str:
        if self.calendar_month == 0:
            return "this month"
        if self.calendar_month == -1:
            return "last month"
        if self.calendar_month is not None:
            return f"the calendar month {self.calendar_month:+d} from this one"
        if self.last_days is not None:
            return f"in the last {_days(self.last_days)}"
        if self.next_days is not None:
            return f"in the next {_days(self.next_days)}"
        if self.start and self.end:
            return f"between {_day(self.start)} and {_day(self.end)}"
        if self.start:
            return f"on or after {_day(self.start)}"
        if self.end:
            return f"on or before {_day(self.end)}"
        return "at any time"

    def to_json(self) -> dict:
        return {f.name: (v.isoformat() if isinstance(v, date) else v)
                for f in fields(self) if (v := getattr(self, f.name)) is not None}

    @classmethod
    def from_json(cls, data) -> DateRange | None:
        if not isinstance(data, dict):
            return None
        month = _int(data.get("calendar_month"))
        found = cls(start=_date(data.get("start")), end=_date(data.get("end")), last_days=_positive(data.get("last_days")),
                    next_days=_positive(data.get("next_days")), calendar_month=month if month in (0, -1) else None)
        return None if found.is_empty else found


def _midnight(day: date, zone: ZoneInfo, now: datetime) -> datetime:
    """The instant the clinic's `day` begins, in UTC (a DST day is 23 or 25 hours long)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(now.tzinfo)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _days(n: int) -> str:
    return "day" if n == 1 else f"{n} days"


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _positive(value) -> int | None:
    number = _int(value)
    return number if number is not None and number > 0 else None


def _ids(value) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(sorted({i for v in value if (i := _int(v)) is not None}))


@dataclass(frozen=True)
class Conditions:
    # appointment-level conditions: ONE appointment must match all of them together
    # ("saw Dr Lee for an Initial Consultation last month" = same appointment)
    appointment_date: DateRange | None = None
    booked: DateRange | None = None               # created in Cliniko within
    appointment_type_ids: tuple[int, ...] = ()    # any of
    practitioner_ids: tuple[int, ...] = ()        # any of
    business_ids: tuple[int, ...] = ()            # location any of
    statuses: tuple[str, ...] = ()                # any of "attended", "cancelled", "did_not_arrive"
    booking_kind: str | None = None               # "individual" | "group" (a class seat); None: both
    # contact-level conditions
    upcoming: str | None = None                   # "has" | "none": an upcoming (not cancelled) appointment
    last_appointment_months: int | None = None    # last (non-cancelled) appointment more than N months ago
    first_appointment: DateRange | None = None    # new patients
    linked: str | None = None                     # "linked" | "not_linked" to Cliniko

    def __post_init__(self):
        # One spelling per meaning: equal conditions compare and save equal, whatever order they were picked in.
        for name in ("appointment_type_ids", "practitioner_ids", "business_ids"):
            object.__setattr__(self, name, tuple(sorted({int(i) for i in getattr(self, name)})))
        object.__setattr__(self, "statuses", tuple(s for s in STATUSES if s in self.statuses))

    @property
    def has_appointment_conditions(self) -> bool:
        return bool(self.appointment_date or self.booked or self.appointment_type_ids or self.practitioner_ids
                    or self.business_ids or self.statuses or self.booking_kind)

    def uses_health_information(self) -> bool:
        """Who saw which practitioner for what says something about their health."""
        return bool(self.appointment_type_ids or self.practitioner_ids)

    def to_json(self) -> dict:
        out: dict = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, DateRange):
                out[f.name] = value.to_json()
            elif isinstance(value, tuple):
                if value:
                    out[f.name] = [str(v) if isinstance(v, int) else v for v in value]  # int64 ids stay exact in JS
            elif value is not None:
                out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: dict | None) -> Conditions:
        """Tolerant: unknown keys and unreadable values are ignored, so old campaigns always load."""
        data = data if isinstance(data, dict) else {}
        statuses = data.get("statuses") if isinstance(data.get("statuses"), (list, tuple)) else ()
        months = _int(data.get("last_appointment_months"))
        return cls(
            appointment_date=DateRange.from_json(data.get("appointment_date")),
            booked=DateRange.from_json(data.get("booked")),
            appointment_type_ids=_ids(data.get("appointment_type_ids")),
            practitioner_ids=_ids(data.get("practitioner_ids")),
            business_ids=_ids(data.get("business_ids")),
            statuses=tuple(s for s in STATUSES if s in statuses),
            booking_kind=data.get("booking_kind") if data.get("booking_kind") in BOOKING_KINDS else None,
            upcoming=data.get("upcoming") if data.get("upcoming") in UPCOMING else None,
            last_appointment_months=months if months is not None and months > 0 else None,
            first_appointment=DateRange.from_json(data.get("first_appointment")),
            linked=data.get("linked") if data.get("linked") in LINKED else None,
        )

    def replace(self, **changes) -> Conditions:
        return replace(self, **changes)

    def describe(self, names: dict[str, dict[int, str]] | None = None) -> list[str]:
        """Staff words, one line per condition. `names`: {"appointment_type_ids": {id: name}, ...};
        without it, ids are read from the synced tables."""
        names = names if names is not None else _names(self)
        lines = []
        if self.has_appointment_conditions:
            parts = []
            if self.appointment_type_ids:
                parts.append("for " + _any_of(_named(self.appointment_type_ids, names.get("appointment_type_ids"),
                                                     "appointment type"), "or"))
            if self.practitioner_ids:
                parts.append("with " + _any_of(_named(self.practitioner_ids, names.get("practitioner_ids"),
                                                      "practitioner"), "or"))
            if self.business_ids:
                parts.append("at " + _any_of(_named(self.business_ids, names.get("business_ids"), "location"), "or"))
            if self.appointment_date:
                parts.append(self.appointment_date.describe())
            if self.booked:
                parts.append("booked " + self.booked.describe())
            kind = f"({_any_of([STATUSES[s] for s in self.statuses], 'or')})" if self.statuses else "(not cancelled)"
            what = {"individual": "an individual appointment", "group": "a group class"}.get(self.booking_kind,
                                                                                             "an appointment")
            lines.append(" ".join([f"Had {what}", kind, *parts]))
        if self.upcoming:
            lines.append(UPCOMING[self.upcoming])
        if self.last_appointment_months:
            lines.append(f"Last appointment more than {self.last_appointment_months} month"
                         f"{'s' if self.last_appointment_months != 1 else ''} ago")
        if self.first_appointment:
            lines.append("First appointment " + self.first_appointment.describe())
        if self.linked:
            lines.append(LINKED[self.linked])
        return lines or ["Everyone"]


def _any_of(words: list[str], joiner: str) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {joiner} " + words[-1]


def _named(ids: tuple[int, ...], names: dict[int, str] | None, what: str) -> list[str]:
    names = names or {}
    return [names.get(i) or f"{what} #{i}" for i in ids]


def _names(conditions: Conditions) -> dict[str, dict[int, str]]:
    from sqlalchemy import select

    from oncord.extensions import db
    from oncord.models import AppointmentType, Business, Practitioner

    out: dict[str, dict[int, str]] = {}
    if conditions.appointment_type_ids:
        out["appointment_type_ids"] = dict(db.session.execute(select(AppointmentType.id, AppointmentType.name).where(
            AppointmentType.id.in_(conditions.appointment_type_ids))).all())
    if conditions.practitioner_ids:
        out["practitioner_ids"] = {p.id: p.name for p in db.session.scalars(select(Practitioner).where(
            Practitioner.id.in_(conditions.practitioner_ids)))}
    if conditions.business_ids:
        out["business_ids"] = Business.names(conditions.business_ids)
    return out
