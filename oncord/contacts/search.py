"""Finding contacts: every typed term must match name, email or phone; filters; keyset pages.

Pages are keyed on (last_name, first_name, id) and counts stop at COUNT_CAP, so the list stays
fast at 100,000 contacts (see bench/contacts_search.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from sqlalchemy import ColumnElement, func, select, tuple_

from oncord.extensions import db
from oncord.models import ConsentStatus, Contact

PAGE_SIZE = 50
COUNT_CAP = 1000  # "1,000+ contacts": past this, an exact count costs more than it tells
# The list's order, as ix_contacts_last_first (+ id) serves it; and the same order as
# expressions no index matches, which makes the database sort the matches instead.
_BY_NAME_INDEX = (Contact.last_name, Contact.first_name, Contact.id)
_BY_NAME_SORTED = (Contact.last_name + "", Contact.first_name + "", Contact.id)
_PHONE_TERM = re.compile(r"^[+(]?\d[\d()\-.]*$")  # "+61", "0412-345", "(02)": digits once cleaned
MAX_ROW_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; one rule for every database


class InvalidCursor(ValueError):
    """A page link's `after`/`before` is not a row id (the view answers 400)."""


def parse_cursor(raw: str | None) -> int | None:
    """The id a page link carries (a contact in the list, an event in the activity feed); None
    when there is none. Ids past the column's range could never exist, and the database would
    refuse the query."""
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or not 0 < int(raw) <= MAX_ROW_ID:
        raise InvalidCursor(raw)
    return int(raw)


@dataclass(frozen=True, slots=True)
class ContactFilters:
    """What the list is narrowed to; None means "any"."""

    query: str = ""
    linked: bool | None = None
    email_status: ConsentStatus | None = None
    sms_status: ConsentStatus | None = None
    # Contacts of patients Cliniko merged into another: "hide" (the default), "include" or "only".
    merged: str = "hide"

    @property
    def searched(self) -> bool:
        """Something was typed in the search box (not only filters chosen)."""
        return bool(search_terms(self.query))

    @property
    def narrowed(self) -> bool:
        return self.searched or self.merged == "only" or any(
            value is not None for value in (self.linked, self.email_status, self.sms_status))


@dataclass(frozen=True, slots=True)
class ContactPage:
    contacts: list[Contact] = field(default_factory=list)
    next_after: int | None = None  # pass as `after` for the next page
    prev_before: int | None = None  # pass as `before` for the previous page
    total: int = 0  # matches, counted up to COUNT_CAP + 1
    hidden_merged: int = 0  # merged-away contacts the search also matches, hidden by the default filter

    @property
    def total_is_capped(self) -> bool:
        return self.total > COUNT_CAP


def search_terms(query: str) -> list[str]:
    """Lowercased terms; phone-like ones reduced to digits, as `contact_search_text` stores them."""
    terms = []
    for term in (query or "").lower().split():
        if _PHONE_TERM.match(term):
            term = "".join(ch for ch in term if ch.isdigit())
        if term:
            terms.append(term)
    return terms


def search_contacts(filters: ContactFilters, *, after: int | None = None, before: int | None = None,
                    limit: int | None = None) -> ContactPage:
    """One page of matching contacts (PAGE_SIZE unless told), after or before the contact with that id.

    A cursor whose contact is gone starts again from the top.
    """
    limit = limit or PAGE_SIZE
    total = count_contacts(filters)
    hidden = count_contacts(replace(filters, merged="only")) if filters.merged == "hide" and search_terms(filters.query) else 0
    if not total:
        return ContactPage(total=0, hidden_merged=hidden)
    # Many matches: walking the name index finds a page in a few rows. Few matches: that walk
    # would pass every non-matching row (100 ms at 100,000 on SQLite), so scan and sort instead.
    sort_key = _BY_NAME_INDEX if total > COUNT_CAP else _BY_NAME_SORTED
    conditions = _conditions(filters)
    if before is not None and (key := _sort_key_of(before)) is not None:
        stmt = (select(Contact).where(*conditions, tuple_(*sort_key) < key)
                .order_by(*(col.desc() for col in sort_key)).limit(limit + 1))
        rows = list(db.session.scalars(stmt))
        if len(rows) > limit:  # a full page with more before it
            rows = rows[:limit][::-1]
            return ContactPage(rows, next_after=rows[-1].id, prev_before=rows[0].id, total=total, hidden_merged=hidden)
        after = None  # reached the top: show a full first page rather than a short one
    start = _sort_key_of(after) if after is not None else None
    if start is not None:
        conditions.append(tuple_(*sort_key) > start)
    rows = list(db.session.scalars(select(Contact).where(*conditions).order_by(*sort_key).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return ContactPage(
        rows,
        next_after=rows[-1].id if more else None,
        prev_before=rows[0].id if start is not None and rows else None,
        total=total,
        hidden_merged=hidden,
    )


def count_contacts(filters: ContactFilters, cap: int = COUNT_CAP) -> int:
    """How many contacts match, counting no further than `cap` + 1 (the caller shows "cap+")."""
    matching = select(Contact.id).where(*_conditions(filters)).limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(matching))


def _conditions(filters: ContactFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Contact.search_text.contains(term, autoescape=True) for term in search_terms(filters.query)
    ]
    if filters.linked is True:
        conditions.append(Contact.cliniko_patient_id.is_not(None))
    elif filters.linked is False:
        conditions.append(Contact.cliniko_patient_id.is_(None))
    if filters.email_status is not None:
        conditions.append(Contact.email_status == filters.email_status.value)
    if filters.sms_status is not None:
        conditions.append(Contact.sms_status == filters.sms_status.value)
    if filters.merged == "only":
        conditions.append(Contact.merged_into_patient_id.is_not(None))
    elif filters.merged != "include":
        conditions.append(Contact.merged_into_patient_id.is_(None))
    return conditions


def _sort_key_of(contact_id: int) -> tuple[str, str, int] | None:
    row = db.session.execute(
        select(Contact.last_name, Contact.first_name, Contact.id).where(Contact.id == contact_id)).first()
    return tuple(row) if row else None
