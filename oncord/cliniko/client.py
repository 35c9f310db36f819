"""ClinikoClient: the one object oncord talks to Cliniko through."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import requests

from .classes import Attendee, Booking, GroupAppointment, booking_from_api
from .errors import ClinikoDataError, InvalidApiKey, MalformedResponse
from .listing import Listing
from .parsing import format_id
from .query import PER_PAGE, Query
from .rate_budget import (
    DEFAULT_BURST,
    DEFAULT_LIMIT,
    DEFAULT_PERIOD,
    LocalRateBudget,
    RateBudget,
    RedisRateBudget,
)
from .records import Appointment, DeletedRecord, Patient
from .reference import Account, AppointmentType, Business, Practitioner, User
from .shards import base_url_for_shard, check_base_url, check_user_agent, shard_from_key
from .transport import RetryPolicy, Transport
from .updates import patient_update_body

T = TypeVar("T")
BadRowHandler = Callable[[ClinikoDataError], None]


class ClinikoClient:
    """Owns the HTTP session, shard URL, User-Agent, retries and the shared rate budget.

    `redis` (a client or URL) shares the budget between processes; without it clients in
    this process share an in-memory bucket. Not thread-safe: one client per thread or job.
    """

    def __init__(
        self,
        api_key: str,
        user_agent: str,
        base_url: str | None = None,
        *,
        redis: Any = None,
        rate_limit: int = DEFAULT_LIMIT,
        rate_period: float = DEFAULT_PERIOD,
        rate_burst: int = DEFAULT_BURST,
        rate_budget: RateBudget | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        allow_http: bool = False,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise InvalidApiKey("the Cliniko API key is empty")
        api_key = api_key.strip()
        check_user_agent(user_agent)
        if base_url is None:
            self.shard: str | None = shard_from_key(api_key)
            base_url = base_url_for_shard(self.shard)
        else:
            base_url = check_base_url(base_url, allow_http=allow_http)
            try:
                self.shard = shard_from_key(api_key)
            except ValueError:
                self.shard = None  # a sandbox key need not name a shard
        if isinstance(redis, str):  # a URL such as redis://127.0.0.1:6379/0
            import redis as redis_lib

            redis = redis_lib.Redis.from_url(redis)
        if rate_budget is None:
            shape = dict(limit=rate_limit, period=rate_period, burst=rate_burst)
            rate_budget = (
                RedisRateBudget(redis, api_key, **shape)
                if redis is not None
                else LocalRateBudget.shared(api_key, **shape)
            )
        self.base_url = base_url
        self.user_agent = user_agent
        self._http = Transport(
            api_key, user_agent, base_url,
            budget=rate_budget, retry=retry or RetryPolicy(), timeout=timeout,
            session=session, sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"<ClinikoClient {self.base_url} key=***>"

    @property
    def requests_sent(self) -> int:
        return self._http.requests_sent

    def close(self) -> None:
        self._http.session.close()

    def __enter__(self) -> "ClinikoClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- account ---------------------------------------------------------------------

    def check_connection(self) -> User:
        """GET /user: proves the key, shard and User-Agent work; returns the key's user."""
        return User.from_api(self._get_object("/user"))

    def account(self) -> Account:
        """GET /settings (needs a role allowed to view settings, else Forbidden)."""
        return Account.from_api(self._get_object("/settings"))

    # -- patients ----------------------------------------------------------------------

    def patients(
        self,
        *,
        updated_since: datetime | None = None,
        created_since: datetime | None = None,
        archived_since: datetime | None = None,
        include_archived: bool | None = None,
        ids: Iterable[int] | None = None,
        q: Iterable[str] = (),
        sort: str | None = None,
        per_page: int = PER_PAGE,
        on_bad_row: BadRowHandler | None = None,
    ) -> Listing[Patient]:
        """Patients, oldest first unless `sort` says otherwise (updated_since sorts by updated_at).

        With `updated_since` (a change poll) archived rows are included unless
        include_archived=False: an archive is a change too. `archived_since` is §8's cheap
        second query: only rows archived after the cursor.
        """
        if include_archived is None:
            include_archived = updated_since is not None
        query = (
            Query()
            .after("updated_at", updated_since)
            .after("created_at", created_since)
            .after("archived_at", archived_since)
            # Cliniko hides archived rows unless asked
            .any_value("archived_at", include_archived or archived_since is not None)
            .ids("id", ids)
        )
        for expression in q:
            query.add(expression)
        sort = sort or ("updated_at" if updated_since is not None else None)
        return self._list("/patients", "patients", Patient.from_api, query.params(sort, per_page), on_bad_row)

    def deleted_patients(self, *, deleted_since: datetime | None = None,
                         on_bad_row: BadRowHandler | None = None) -> Listing[DeletedRecord]:
        """Legacy `GET /patients/deleted` (ids and times only): the one place a patient
        deleted in Cliniko's old way shows up. May be gone from Cliniko (NotFound)."""
        query = Query().after("deleted_at", deleted_since)
        return self._list("/patients/deleted", "patients", DeletedRecord.from_api, query.params(), on_bad_row)

    def patient(self, patient_id: int, *, include_archived: bool = True) -> Patient:
        """One patient; archived ones too unless include_archived=False (then they are NotFound)."""
        params = Query().any_value("archived_at", include_archived).filters
        return Patient.from_api(
            self._get_object(f"/patients/{format_id(patient_id)}", [("q[]", f) for f in params])
        )

    def update_patient(self, patient_id: int, fields: Mapping[str, Any]) -> Patient:
        """PATCH only `fields` (Cliniko's names); returns the patient as Cliniko now has it.

        `patient_phone_numbers` replaces the whole set, so pass every number to keep.
        Raises ValidationFailed with Cliniko's per-field messages on 422.
        """
        body = patient_update_body(fields)
        raw = self._http.request("PATCH", f"/patients/{format_id(patient_id)}", json=body, check=_object)
        return Patient.from_api(raw)

    # -- appointments ----------------------------------------------------------------

    def appointments(
        self,
        *,
        updated_since: datetime | None = None,
        created_since: datetime | None = None,
        cancelled_since: datetime | None = None,
        archived_since: datetime | None = None,
        starts_after: datetime | None = None,
        starts_before: datetime | None = None,
        include_cancelled: bool | None = None,
        include_archived: bool | None = None,
        patient_id: int | Iterable[int] | None = None,
        practitioner_id: int | Iterable[int] | None = None,
        business_id: int | Iterable[int] | None = None,
        appointment_type_id: int | Iterable[int] | None = None,
        q: Iterable[str] = (),
        sort: str | None = None,
        per_page: int = PER_PAGE,
        on_bad_row: BadRowHandler | None = None,
    ) -> Listing[Appointment]:
        """Individual appointments. Cancelled and archived rows are hidden unless included,
        except in a change poll (`updated_since`), which sees them unless told otherwise;
        `cancelled_since`/`archived_since` are §8's exact cheap polls."""
        if include_cancelled is None:
            include_cancelled = updated_since is not None
        if include_archived is None:
            include_archived = updated_since is not None
        query = (
            Query()
            .after("updated_at", updated_since)
            .after("created_at", created_since)
            .after("cancelled_at", cancelled_since)
            .after("archived_at", archived_since)
            .after("starts_at", starts_after)
            .before("starts_at", starts_before)
            .any_value("cancelled_at", include_cancelled or cancelled_since is not None)
            .any_value("archived_at", include_archived or archived_since is not None)
            .ids("patient_id", patient_id)
            .ids("practitioner_id", practitioner_id)
            .ids("business_id", business_id)
            .ids("appointment_type_id", appointment_type_id)
        )
        for expression in q:
            query.add(expression)
        sort = sort or ("updated_at" if updated_since is not None else None)
        return self._list(
            "/individual_appointments", "individual_appointments", Appointment.from_api,
            query.params(sort, per_page), on_bad_row,
        )

    def appointment(self, appointment_id: int, *, include_hidden: bool = True) -> Appointment:
        """One appointment, cancelled or archived ones included unless include_hidden=False."""
        filters = Query().any_value("archived_at", include_hidden).any_value("cancelled_at", include_hidden)
        return Appointment.from_api(
            self._get_object(
                f"/individual_appointments/{format_id(appointment_id)}", [("q[]", f) for f in filters.filters]
            )
        )

    # -- bookings and classes ----------------------------------------------------------

    def bookings(
        self, *, updated_since: datetime | None = None, archived_since: datetime | None = None,
        q: Iterable[str] = (), sort: str | None = None, per_page: int = PER_PAGE,
        on_bad_row: BadRowHandler | None = None,
    ) -> Listing[Booking]:
        """Individual appointments and classes in one list (unavailable blocks too), hidden
        rows included: one change poll covers both kinds."""
        query = (Query().after("updated_at", updated_since).after("archived_at", archived_since)
                 .any_value("cancelled_at").any_value("archived_at"))
        for expression in q:
            query.add(expression)
        return self._list("/bookings", "bookings", booking_from_api,
                          query.params(sort or "updated_at", per_page), on_bad_row)

    def group_appointments(
        self, *, ids: Iterable[int] | None = None, q: Iterable[str] = (), sort: str | None = None,
        per_page: int = PER_PAGE, on_bad_row: BadRowHandler | None = None,
    ) -> Listing[GroupAppointment]:
        """Classes, archived ones included (`ids`: only these)."""
        query = Query().any_value("archived_at").ids("id", ids)
        for expression in q:
            query.add(expression)
        return self._list("/group_appointments", "group_appointments", GroupAppointment.from_api,
                          query.params(sort, per_page), on_bad_row)

    def group_appointment(self, group_appointment_id: int) -> GroupAppointment:
        return GroupAppointment.from_api(self._get_object(
            f"/group_appointments/{format_id(group_appointment_id)}", [("q[]", "archived_at:*")]))

    def attendees(
        self, *, updated_since: datetime | None = None, cancelled_since: datetime | None = None,
        archived_since: datetime | None = None, booking_ids: Iterable[int] | None = None,
        q: Iterable[str] = (), sort: str | None = None, per_page: int = PER_PAGE,
        on_bad_row: BadRowHandler | None = None,
    ) -> Listing[Attendee]:
        """Seats in classes and on individual appointments, cancelled and archived ones
        included; `cancelled_since`/`archived_since` are the cheap polls."""
        query = (Query().after("updated_at", updated_since).after("cancelled_at", cancelled_since)
                 .after("archived_at", archived_since).any_value("cancelled_at")
                 .any_value("archived_at").ids("appointment_id", booking_ids))
        for expression in q:
            query.add(expression)
        return self._list("/attendees", "attendees", Attendee.from_api,
                          query.params(sort or "updated_at", per_page), on_bad_row)

    def attendee(self, attendee_id: int) -> Attendee:
        """One seat, cancelled or archived included."""
        return Attendee.from_api(self._get_object(
            f"/attendees/{format_id(attendee_id)}", [("q[]", "cancelled_at:*"), ("q[]", "archived_at:*")]))

    # -- reference data --------------------------------------------------------------

    def appointment_types(
        self, *, include_archived: bool = False, updated_since: datetime | None = None,
        on_bad_row: BadRowHandler | None = None,
    ) -> Listing[AppointmentType]:
        query = Query().after("updated_at", updated_since).any_value("archived_at", include_archived)
        return self._list("/appointment_types", "appointment_types", AppointmentType.from_api,
                          query.params(), on_bad_row)

    def practitioners(
        self, *, active: bool = True, on_bad_row: BadRowHandler | None = None
    ) -> Listing[Practitioner]:
        """Cliniko lists active and inactive practitioners at separate endpoints."""
        path = "/practitioners" if active else "/practitioners/inactive"
        return self._list(path, "practitioners", Practitioner.from_api, Query().params(), on_bad_row)

    def businesses(
        self, *, include_archived: bool = False, on_bad_row: BadRowHandler | None = None
    ) -> Listing[Business]:
        query = Query().any_value("archived_at", include_archived)
        return self._list("/businesses", "businesses", Business.from_api, query.params(), on_bad_row)

    # -- plumbing ------------------------------------------------------------------------

    def _list(self, path, key, parse, params, on_bad_row) -> Listing[Any]:
        return Listing(self._fetch_page, path, params, key, parse, on_bad_row)

    def _fetch_page(self, url: str, params: Any, check: Callable[[Any], None]) -> Any:
        return self._http.request("GET", url, params=params, check=check)

    def _get_object(self, path: str, params: Any = None) -> Mapping[str, Any]:
        return self._http.request("GET", path, params=params, check=_object)


def _object(body: Any) -> None:
    if not isinstance(body, Mapping):
        raise MalformedResponse("expected a JSON object")
