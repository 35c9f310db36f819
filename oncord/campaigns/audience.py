"""Whom a campaign reaches: the conditions, counted in SQL, and the audience fixed when sending starts.

Every condition is a semi- or anti-join from contacts to appointments, so a contact with three
matching appointments is one row; the reasons a matching contact is left out are one CASE, so
the count is a single GROUP BY and no contact is loaded into Python to be counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Integer, String, case, exists, func, literal, not_, or_, select, union_all
from sqlalchemy.orm import aliased

from oncord.automations import clinic_time
from oncord.campaigns import address_checks
from oncord.campaigns.conditions import Conditions, DateRange
from oncord.extensions import db
from oncord.models import Appointment, ConsentSource, ConsentStatus, Contact
from oncord.timestamps import utcnow

__all__ = ["AudienceCount", "Conditions", "DateRange", "PRESETS", "count", "materialise"]

CHANNELS = ("email", "sms")
# Consent the contact gave, in Cliniko or to us; a staff edit or a default is not enough for health information.
EXPLICIT_SOURCES = (ConsentSource.CLINIKO_PULL.value, ConsentSource.UNSUBSCRIBE_PAGE.value,
                    ConsentSource.ONE_CLICK.value, ConsentSource.SMS_KEYWORD.value)

GONE = "Archived, deleted or merged in Cliniko"
NOT_SUBSCRIBED = {"email": "Not subscribed to email", "sms": "Not subscribed to SMS"}
NO_ADDRESS = {"email": "No email address", "sms": "No mobile number"}
SUPPRESSED = "Erased from oncord (suppressed)"
NOT_EXPLICIT = "Consent not given explicitly (health information rule)"
REASONS_IN_ORDER = (GONE, *NOT_SUBSCRIBED.values(), *NO_ADDRESS.values(), SUPPRESSED, NOT_EXPLICIT)

PRESETS: dict[str, tuple[str, Conditions]] = {
    "new_this_month": ("New patients this month", Conditions(first_appointment=DateRange(calendar_month=0))),
    "lapsed_6_months": ("Lapsed 6 months (no appointment in six months)", Conditions(last_appointment_months=6)),
    "no_upcoming": ("No upcoming appointment", Conditions(upcoming="none")),
    "did_not_arrive_last_month": ("Did not arrive last month",
                                  Conditions(statuses=("did_not_arrive",), appointment_date=DateRange(calendar_month=-1))),
}


@dataclass(frozen=True)
class AudienceCount:
    included: int
    left_out: dict[str, int]      # staff reason -> number
    sample: list[Contact]         # up to `sample_size` included contacts

    @property
    def matching(self) -> int:
        """Everyone the conditions match, before the consent and address rules."""
        return self.included + sum(self.left_out.values())


def count(conditions: Conditions, channel: str, *, now: datetime | None = None, sample_size: int = 10) -> AudienceCount:
    """How many contacts the campaign would reach now, who is left out and why, and a few of them by name.

    One statement: the matching contacts are worked out once (a materialised CTE), then grouped
    by reason and, for the sample, the first few included by name. May record newly seen
    addresses in `address_checks`: the caller commits."""
    _check(channel)
    now = now or utcnow()
    matched = _matched(conditions, channel, now)
    counts = select(matched.c.reason, func.count().label("n"), literal(None, Integer).label("id")).group_by(
        matched.c.reason)
    first = (select(matched.c.id).where(matched.c.reason.is_(None))
             .order_by(matched.c.last_name, matched.c.first_name, matched.c.id).limit(max(sample_size, 0)).subquery())
    sample_rows = select(literal(None, String).label("reason"), literal(0, Integer).label("n"), first.c.id)
    rows = db.session.execute(union_all(counts, sample_rows)).all()
    left_out = {r: n for r, n, i in rows if r is not None}
    included = sum(n for r, n, i in rows if r is None and i is None)
    ids = [i for r, n, i in rows if i is not None]
    by_id = {c.id: c for c in db.session.scalars(select(Contact).where(Contact.id.in_(ids)))} if ids else {}
    ordered = {r: left_out[r] for r in REASONS_IN_ORDER if left_out.get(r)}
    return AudienceCount(included=included, left_out=ordered, sample=[by_id[i] for i in ids if i in by_id])


def materialise(conditions: Conditions, channel: str, *, now: datetime | None = None) -> list[int]:
    """Eligible contact ids, each once, ascending: the same set `count` counts as included."""
    _check(channel)
    now = now or utcnow()
    matched = _matched(conditions, channel, now)
    return list(db.session.scalars(select(matched.c.id).where(matched.c.reason.is_(None)).order_by(matched.c.id)))


def _matched(conditions: Conditions, channel: str, now: datetime):
    """Every contact the conditions match, with the reason it is left out (NULL: included).

    Materialised, so the planner works the conditions out once over all contacts (hash joins)
    instead of walking an index in the order asked for and probing each contact in turn."""
    source, matching, reason = _audience(conditions, channel, now)
    return (select(Contact.id, Contact.last_name, Contact.first_name, reason.label("reason"))
            .select_from(source).where(*matching).cte("matched").prefix_with("MATERIALIZED"))


def _audience(conditions: Conditions, channel: str, now: datetime):
    """(FROM, WHERE clauses, reason CASE) shared by the count, the sample and the fixed audience."""
    kind = "email" if channel == "email" else "phone"
    hashed = address_checks.any_hashed_suppression(kind)
    if channel == "sms" or hashed:
        address_checks.refresh(kind)
    return Contact.__table__, _matching(conditions, now), _reason(conditions, channel, hashed)


def _check(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")


def _matching(conditions: Conditions, now: datetime) -> list:
    """WHERE clauses on contacts for the conditions alone (consent and addresses come after)."""
    zone = clinic_time.clinic_zone()
    clauses = []
    # "Some appointment matches" is IN (the matching appointments' contacts): PostgreSQL plans it as
    # EXISTS, and SQLite, which has no hash join, looks it up in a set built once instead of
    # probing appointments for every contact. "None matches" stays NOT EXISTS (NULL-safe, an anti-join).
    if conditions.has_appointment_conditions:
        clauses.append(Contact.id.in_(select(Appointment.contact_id).where(
            *_appointment_clauses(conditions, now, zone))))
    kept = (Appointment.contact_id == Contact.id, Appointment.archived_at.is_(None), Appointment.cancelled_at.is_(None))
    if conditions.upcoming == "has":
        clauses.append(Contact.id.in_(select(Appointment.contact_id).where(
            Appointment.archived_at.is_(None), Appointment.cancelled_at.is_(None), Appointment.starts_at >= now)))
    elif conditions.upcoming == "none":
        clauses.append(not_(exists().where(*kept, Appointment.starts_at >= now)))
    if conditions.last_appointment_months:
        cutoff = _months_before(now, conditions.last_appointment_months, zone)
        clauses.append(exists().where(*kept, Appointment.starts_at < cutoff))
        clauses.append(not_(exists().where(*kept, Appointment.starts_at >= cutoff)))
    if conditions.first_appointment:
        clauses.append(_first_appointment_within(*conditions.first_appointment.bounds(now, zone)))
    if conditions.linked == "linked":
        clauses.append(Contact.cliniko_patient_id.is_not(None))
    elif conditions.linked == "not_linked":
        clauses.append(Contact.cliniko_patient_id.is_(None))
    return clauses


def _first_appointment_within(start: datetime | None, end: datetime | None):
    """Driven from the appointments in the range (few), each asking for its contact's first one:
    an index probe, where "nothing earlier" over every older appointment would read most of the table."""
    earlier = aliased(Appointment)
    first = (select(func.min(earlier.starts_at)).where(earlier.contact_id == Appointment.contact_id,
                                                       earlier.archived_at.is_(None), earlier.cancelled_at.is_(None))
             .scalar_subquery())
    in_range = _within(Appointment.starts_at, start, end)
    return Contact.id.in_(select(Appointment.contact_id).where(
        Appointment.archived_at.is_(None), Appointment.cancelled_at.is_(None), *in_range,
        *[c for c in _within(first, start, end)]))


def _appointment_clauses(conditions: Conditions, now: datetime, zone) -> list:
    """One appointment matching every appointment-level condition at once."""
    clauses = [Appointment.archived_at.is_(None)]
    if conditions.appointment_date:
        clauses += _within(Appointment.starts_at, *conditions.appointment_date.bounds(now, zone))
    if conditions.booked:
        clauses += _within(Appointment.cliniko_created_at, *conditions.booked.bounds(now, zone))
    if conditions.appointment_type_ids:
        clauses.append(Appointment.appointment_type_id.in_(conditions.appointment_type_ids))
    if conditions.practitioner_ids:
        clauses.append(Appointment.practitioner_id.in_(conditions.practitioner_ids))
    if conditions.business_ids:
        clauses.append(Appointment.business_id.in_(conditions.business_ids))
    if conditions.booking_kind:
        clauses.append(Appointment.kind == conditions.booking_kind)  # a class seat is a row of kind "group"
    if conditions.statuses:
        clauses.append(or_(*[{"attended": Appointment.patient_arrived.is_(True),
                              "cancelled": Appointment.cancelled_at.is_not(None),
                              "did_not_arrive": Appointment.did_not_arrive.is_(True)}[s] for s in conditions.statuses]))
    else:
        clauses.append(Appointment.cancelled_at.is_(None))  # "saw Dr Lee" never means a cancelled visit
    return clauses


def _within(column, start: datetime | None, end: datetime | None) -> list:
    return [c for c in ((column >= start) if start else None, (column < end) if end else None) if c is not None]


def _months_before(now: datetime, months: int, zone) -> datetime:
    """Local midnight on the same day of the month `months` ago (the 31st falls back to the month's last day)."""
    today = now.astimezone(zone).date()
    index = today.year * 12 + today.month - 1 - months
    year, month = index // 12, index % 12 + 1
    day = today.day
    while True:
        try:
            then = date(year, month, day)
            break
        except ValueError:
            day -= 1
    return DateRange(start=then).bounds(now, zone)[0]


def _reason(conditions: Conditions, channel: str, hashed_suppressions: bool):
    """Why a matching contact is left out (first reason wins), or NULL when included: one CASE for SQL."""
    status = Contact.email_status if channel == "email" else Contact.sms_status
    if channel == "email":
        no_address = or_(Contact.email.is_(None), func.trim(Contact.email) == "")
    else:
        no_address = or_(Contact.phone.is_(None), Contact.phone.in_(address_checks.not_sms_capable()))
    suppressed = [Contact.cliniko_patient_id.in_(address_checks.suppressed_patient_ids())]
    if hashed_suppressions:
        column = Contact.email_lower if channel == "email" else Contact.phone
        suppressed.append(column.in_(address_checks.suppressed_addresses("email" if channel == "email" else "phone")))
    whens = [
        (or_(Contact.merged_into_patient_id.is_not(None), Contact.cliniko_deleted_at.is_not(None),
             Contact.cliniko_archived_at.is_not(None)), GONE),
        (or_(status.is_(None), status != ConsentStatus.SUBSCRIBED.value), NOT_SUBSCRIBED[channel]),
        (no_address, NO_ADDRESS[channel]),
        (or_(*suppressed), SUPPRESSED),
    ]
    if conditions.uses_health_information():
        source = Contact.email_consent_source if channel == "email" else Contact.sms_consent_source
        whens.append((or_(source.is_(None), source.not_in(EXPLICIT_SOURCES)), NOT_EXPLICIT))
    return case(*whens, else_=None)
