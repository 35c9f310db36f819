"""The sandbox's clinic, and every way to change it.

The `/v1` API and the control surface (Python and `/_sandbox` HTTP) both go
through these methods, so a change made by a test looks exactly like one made in
Cliniko: `updated_at` moves, archived rows hide, merges archive the absorbed side.
Methods take ids as int or str and return rows rendered as the API would.
"""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from typing import Any

from cliniko_sandbox import resources, validation
from cliniko_sandbox.account import AccountState, clean_account
from cliniko_sandbox.classes import Classes
from cliniko_sandbox.clinic import ClinicSetup
from cliniko_sandbox.people import People
from cliniko_sandbox.queries import Page, parse_filters, order_by
from cliniko_sandbox.resources import Listing
from cliniko_sandbox.schema import VIEWS
from cliniko_sandbox.seed import Clinic, default_anchor, seed_world
from cliniko_sandbox.store import IdMint, Store, format_time, parse_id, parse_time, utcnow
from cliniko_sandbox.validation import ValidationFailed


class NotFound(Exception):
    """No such row, or one hidden from this request (archived without `q[]`)."""


class World(ClinicSetup, AccountState, Classes):
    """Patients and appointments here; clinic set-up from `ClinicSetup`; classes and their
    attendees from `Classes`; the account, the key's user and its role from `AccountState`."""

    def __init__(self, store: Store, *, seed: int = 0, patients: int = 0,
                 appointments: int = 0, classes: int = 0, base_url: str = "http://127.0.0.1/v1",
                 subdomain: str | None = None, account_name: str | None = None) -> None:
        self.store = store
        self.base_url = base_url
        # start-up settings that outlive resets (`--subdomain`, `--account-name`)
        self.account_overrides = clean_account({"subdomain": subdomain, "name": account_name})
        self.seed = seed
        self.sizes = (patients, appointments)
        self.classes = classes  # weekly class series per business
        self._lock = threading.RLock()
        self.clinic: Clinic | None = None
        self._pages: dict[tuple, Any] = {}  # listing counts and next-page starts, per write version

    # -- whole world -----------------------------------------------------------------

    def reset(self, *, patients: int | None = None, appointments: int | None = None,
              seed: int | None = None, anchor: datetime | None = None,
              classes: int | None = None) -> None:
        """Throw the world away and seed a new one (defaults: the last sizes and seed)."""
        with self._lock, self.store.lock:
            self._pages.clear()
            if seed is not None:
                self.seed = seed
            if classes is not None:
                self.classes = classes
            self.sizes = (self.sizes[0] if patients is None else patients,
                          self.sizes[1] if appointments is None else appointments)
            self.rng = random.Random(f"world-{self.seed}")
            self.people = People(self.seed)
            self.mint = IdMint()
            self.store.recreate()
            self.clinic = seed_world(
                self.store, self.mint, self.people, patients=self.sizes[0],
                appointments=self.sizes[1], classes=self.classes,
                anchor=anchor or default_anchor())
            self.mint_after_seed = self.mint.used
            self._seed_account(key_user_id=self.clinic.user_ids[0])

    reseed = reset

    def adopt(self) -> None:
        """Carry on with a world already in the store (`--keep-db`)."""
        self.rng = random.Random(f"world-{self.seed}")
        self.people = People(self.seed)
        biggest = self.store.scalar(
            "SELECT max(m) FROM (SELECT max(id) m FROM patients UNION ALL "
            "SELECT max(attendee_id) FROM appointments UNION ALL SELECT max(id) FROM users "
            "UNION ALL SELECT max(id) FROM group_appointments "
            "UNION ALL SELECT max(id) FROM group_attendees)")
        self.mint = IdMint(((biggest or IdMint.BASE) - IdMint.BASE) // 7919 + 1)
        ids = [r[0] for r in self.store.select("SELECT id FROM practitioners")]
        types = {r[0]: r[1] for r in self.store.select(
            "SELECT id, duration_in_minutes FROM appointment_types")}
        self.clinic = Clinic([], [r[0] for r in self.store.select("SELECT id FROM businesses")],
                             ids, {}, list(types), types)
        self._adopt_account()

    def counts(self) -> dict[str, int]:
        tables = ("patients", "appointments", "appointment_types", "practitioners",
                  "businesses", "users", "group_appointments", "group_attendees")
        return {t: self.store.scalar(f"SELECT count(*) FROM {t}") for t in tables}

    def now(self) -> str:
        return format_time(utcnow())

    # -- reading ---------------------------------------------------------------------

    def browse(self, listing: Listing, filters: list[str], sort: list[tuple[str, str]],
               page: Page, *, where: list[str] | None = None, params: list[Any] | None = None,
               reveal: tuple[str, ...] = (), base: str | None = None,
               ) -> tuple[list[dict[str, Any]], int]:
        """One page of a list, Cliniko-style: hidden rows out unless revealed."""
        query = parse_filters(filters, listing.filters, listing.hidden, listing.aliases)
        clauses = [*(where or []), *query.where]
        clauses += [f"{listing.table}.{col} IS NULL" for col in listing.hidden
                    if col not in query.revealed and col not in reveal]
        sql_where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        args = [*(params or []), *query.params]
        sort = [(listing.aliases.get(n, n), d) for n, d in sort]
        with self.store.lock:
            # Nothing written since the last page of this listing: reuse its count and
            # continue after its last row instead of re-walking OFFSET rows (the same rows).
            version = self.store.conn.total_changes
            listing_key = (listing.table, sql_where, tuple(args), tuple(sort), page.per_page, version)
            total = self._pages.get((listing_key, "count"))
            if total is None:
                total = self.store.scalar(_count_sql(listing.table, sql_where), args)
            resume = self._pages.get((listing_key, page.number))
            order = f" ORDER BY {order_by(sort, listing.table + '.')}"
            if resume is not None:
                after = f"({', '.join(listing.table + '.' + n for n, _ in sort)}) {'<' if sort[0][1] == 'desc' else '>'} ({', '.join('?' * len(sort))})"
                where = f"{sql_where} AND {after}" if sql_where else f" WHERE {after}"
                rows = self.store.select(f"{listing.select_sql()}{where}{order} LIMIT ?", [*args, *resume, page.per_page])
            else:
                rows = self.store.select(f"{listing.select_sql()}{sql_where}{order} LIMIT ? OFFSET ?",
                                         [*args, page.per_page, page.offset])
            self._remember_page(listing_key, page.number, total, rows, sort)
        return [self._render(listing, row, base) for row in rows], total

    def _remember_page(self, listing_key: tuple, number: int, total: int, rows: list, sort: list) -> None:
        """Keep the count and where the next page starts, for sorts in one direction."""
        self._pages[(listing_key, "count")] = total
        one_way = len({d for _, d in sort}) == 1
        if rows and one_way and all(n in rows[-1].keys() for n, _ in sort):
            last = tuple(rows[-1][n] for n, _ in sort)
            if None not in last:  # NULLs do not compare: such pages use OFFSET
                self._pages[(listing_key, number + 1)] = last
        while len(self._pages) > 512:
            self._pages.pop(next(iter(self._pages)))

    def fetch(self, listing: Listing, row_id: int | str, filters: list[str] = (),
              *, base: str | None = None, column: str = "id", reveal: tuple[str, ...] = (),
              ) -> dict[str, Any]:
        """One row by id; hidden rows are 404 unless a `q[]` (or `reveal`) lets them in."""
        row_id = _int_id(row_id)
        rows, _ = self.browse(listing, list(filters), [("id", "asc")], Page(1, 1),
                              where=[f"{listing.table}.{column} = ?"], params=[row_id],
                              base=base, reveal=reveal)
        if not rows:
            raise NotFound(f"{listing.key} {row_id}")
        return rows[0]

    def _render(self, listing: Listing, row: Any, base: str | None) -> dict[str, Any]:
        return listing.render(self.store.decode(listing.table, row), base or self.base_url,
                              self.subdomain)

    def _row(self, table: str, row_id: int | str) -> dict[str, Any]:
        row = self.store.get(table, _int_id(row_id))
        if row is None:
            raise NotFound(f"{table} {row_id}")
        return row

    def patient(self, patient_id: int | str) -> dict[str, Any]:
        """Any patient, hidden or not (the control surface sees everything)."""
        return self.fetch(resources.PATIENTS, patient_id, reveal=resources.PATIENTS.hidden)

    def appointment(self, appointment_id: int | str) -> dict[str, Any]:
        return self.fetch(resources.APPOINTMENTS, appointment_id,
                          reveal=resources.APPOINTMENTS.hidden)

    def patient_ids(self, *, include_archived: bool = False) -> list[str]:
        hidden = "" if include_archived else " WHERE archived_at IS NULL AND deleted_at IS NULL"
        return [str(r[0]) for r in self.store.select(f"SELECT id FROM patients{hidden} ORDER BY id")]

    def appointment_ids(self, *, include_hidden: bool = False) -> list[str]:
        hidden = "" if include_hidden else (
            " WHERE archived_at IS NULL AND cancelled_at IS NULL AND deleted_at IS NULL")
        return [str(r[0]) for r in self.store.select(
            f"SELECT id FROM appointments{hidden} ORDER BY id")]

    # -- patients --------------------------------------------------------------------

    def create_patient(self, *, validate: bool = True, **fields: Any) -> dict[str, Any]:
        """A realistic random patient, with `fields` overriding any attribute."""
        with self._lock:
            values = {**self.people.patient(), **fields}
        return self.insert_patient(
            validation.clean_patient(values, creating=True) if validate else values)

    def insert_patient(self, values: dict[str, Any]) -> dict[str, Any]:
        stamp = self.now()
        row = {**values, "id": self.mint.one(), "created_at": stamp, "updated_at": stamp}
        self.store.insert("patients", row)
        return self.patient(row["id"])

    def update_patient(self, patient_id: int | str, /, **fields: Any) -> dict[str, Any]:
        values = validation.clean_patient(fields, creating=False)
        return self._touch_patient(patient_id, values)

    def _touch_patient(self, patient_id: int | str, values: dict[str, Any]) -> dict[str, Any]:
        row = self._row("patients", patient_id)
        self.store.update("patients", row["id"], {**values, "updated_at": self.now()})
        return self.patient(row["id"])

    def archive_patient(self, patient_id: int | str) -> dict[str, Any]:
        stamp = self.now()
        return self._touch_patient(patient_id, {"archived_at": stamp})

    def unarchive_patient(self, patient_id: int | str) -> dict[str, Any]:
        return self._touch_patient(patient_id, {"archived_at": None})

    def delete_patient(self, patient_id: int | str, *, hard: bool = False) -> None:
        """Soft by default (legacy `deleted_at`, hidden everywhere but `/patients/deleted`);
        `hard=True` makes the row vanish without trace."""
        row = self._row("patients", patient_id)
        if hard:
            self.store.delete("patients", row["id"])
        else:
            stamp = self.now()
            self._touch_patient(row["id"], {"deleted_at": stamp,
                                            "archived_at": row["archived_at"] or stamp})

    def merge_patients(self, absorbed_id: int | str, into_id: int | str) -> dict[str, Any]:
        """Cliniko's merge: the absorbed patient gets `merged_at` and `merged_with_patient`
        and is archived; its appointments and class seats move to the survivor. Returns the
        absorbed row."""
        absorbed, survivor = self._row("patients", absorbed_id), self._row("patients", into_id)
        if absorbed["id"] == survivor["id"]:
            raise ValidationFailed({"base": "can’t merge a patient into itself"})
        stamp = self.now()
        with self.store.transaction() as conn:
            for table in ("appointments", "group_attendees"):  # seats in classes move too
                conn.execute(f"UPDATE {table} SET patient_id = ?, updated_at = ? "
                             "WHERE patient_id = ?", (survivor["id"], stamp, absorbed["id"]))
            conn.execute("UPDATE patients SET merged_at = ?, merged_with_patient_id = ?, "
                         "archived_at = ?, updated_at = ? WHERE id = ?",
                         (stamp, survivor["id"], stamp, stamp, absorbed["id"]))
            conn.execute("UPDATE patients SET updated_at = ? WHERE id = ?", (stamp, survivor["id"]))
        return self.patient(absorbed["id"])

    # -- appointments ----------------------------------------------------------------

    def book_appointment(self, patient_id: int | str | None = None, *,
                         starts_at: datetime | str | None = None, **fields: Any) -> dict[str, Any]:
        """Book one; anything not given is picked at random (a live patient, a slot
        tomorrow, a practitioner who works at the business)."""
        with self._lock:
            body = self._random_booking(patient_id, starts_at)
        body.update(fields)
        return self.create_appointment(body)

    def create_appointment(self, body: dict[str, Any]) -> dict[str, Any]:
        values = validation.clean_appointment(body, creating=True, exists=self._exists(body))
        if not values.get("ends_at"):
            minutes = self._row("appointment_types", values["appointment_type_id"])[
                "duration_in_minutes"]
            values["ends_at"] = format_time(parse_time(values["starts_at"])
                                            + timedelta(minutes=minutes))
        validation.check_times(values["starts_at"], values["ends_at"])
        stamp = self.now()
        row = {**values, "id": self.mint.one(), "attendee_id": self.mint.one(),
               "did_not_arrive": False, "patient_arrived": False, "email_reminder_sent": False,
               "sms_reminder_sent": False, "has_patient_appointment_notes": False,
               "created_at": stamp, "updated_at": stamp}
        self.store.insert("appointments", row)
        return self.appointment(row["id"])

    def update_appointment(self, appointment_id: int | str, /, **body: Any) -> dict[str, Any]:
        row = self._row("appointments", appointment_id)
        values = validation.clean_appointment(body, creating=False, exists=self._exists(body))
        merged = {**row, **values}
        if "ends_at" in values and values["ends_at"] is None:
            minutes = self._row("appointment_types", merged["appointment_type_id"])[
                "duration_in_minutes"]
            values["ends_at"] = format_time(parse_time(merged["starts_at"])
                                            + timedelta(minutes=minutes))
            merged["ends_at"] = values["ends_at"]
        validation.check_times(merged["starts_at"], merged["ends_at"])
        return self._touch_appointment(row["id"], values)

    def reschedule_appointment(self, appointment_id: int | str, starts_at: datetime | str,
                               ends_at: datetime | str | None = None) -> dict[str, Any]:
        """Move it; without `ends_at` it keeps its length."""
        row = self._row("appointments", appointment_id)
        start = _as_time(starts_at)
        if ends_at is None:
            length = parse_time(row["ends_at"]) - parse_time(row["starts_at"])
            ends_at = start + length
        return self.update_appointment(row["id"], starts_at=format_time(start),
                                       ends_at=format_time(_as_time(ends_at)))

    def cancel_appointment(self, appointment_id: int | str, reason: int = 50,
                           note: str | None = None) -> dict[str, Any]:
        reason, note = validation.clean_cancel({"cancellation_reason": reason,
                                                "cancellation_note": note})
        row = self._row("appointments", appointment_id)
        if row["cancelled_at"]:  # Cliniko never changes cancelled_at once set
            return self.appointment(row["id"])
        return self._touch_appointment(row["id"], {
            "cancelled_at": self.now(), "cancellation_reason": reason, "cancellation_note": note})

    def mark_arrived(self, appointment_id: int | str, arrived: bool | None = True
                     ) -> dict[str, Any]:
        """What `PATCH /attendees/{id} {"arrived": ...}` records: true -> patient_arrived,
        false -> did_not_arrive, null -> neither."""
        return self._touch_appointment(appointment_id, {
            "patient_arrived": arrived is True, "did_not_arrive": arrived is False})

    def mark_did_not_arrive(self, appointment_id: int | str) -> dict[str, Any]:
        return self.mark_arrived(appointment_id, False)

    def archive_appointment(self, appointment_id: int | str) -> dict[str, Any]:
        return self._touch_appointment(appointment_id, {"archived_at": self.now()})

    def unarchive_appointment(self, appointment_id: int | str) -> dict[str, Any]:
        return self._touch_appointment(appointment_id, {"archived_at": None})

    def delete_appointment(self, appointment_id: int | str, *, hard: bool = False) -> None:
        row = self._row("appointments", appointment_id)
        if hard:
            self.store.delete("appointments", row["id"])
        else:
            self._touch_appointment(row["id"], {"deleted_at": self.now()})

    def _touch_appointment(self, appointment_id: int | str, values: dict[str, Any]
                           ) -> dict[str, Any]:
        row = self._row("appointments", appointment_id)
        self.store.update("appointments", row["id"], {**values, "updated_at": self.now()})
        return self.appointment(row["id"])

    def _exists(self, body: dict[str, Any]) -> dict[str, bool]:
        tables = {"patient_id": "patients", "practitioner_id": "practitioners",
                  "appointment_type_id": "appointment_types", "business_id": "businesses"}
        found = {}
        for name, table in tables.items():
            row_id = parse_id(body.get(name))
            if row_id is not None:
                found[name] = self.store.get(table, row_id) is not None
        return found

    def _random_booking(self, patient_id: int | str | None,
                        starts_at: datetime | str | None) -> dict[str, Any]:
        clinic, rng = self.clinic, self.rng
        practitioners = [r["id"] for r in self.store.select(
            "SELECT id, business_ids FROM practitioners WHERE active = 1")] or clinic.practitioner_ids
        practitioner = self._row("practitioners", rng.choice(practitioners))
        types = [r[0] for r in self.store.select(  # class types are for classes
            "SELECT id FROM appointment_types WHERE archived_at IS NULL"
            " AND coalesce(max_attendees, 1) <= 1")]
        if patient_id is None:
            live = self.patient_ids()
            patient_id = rng.choice(live) if live else self.create_patient()["id"]
        if starts_at is None:
            day = utcnow().replace(hour=0, minute=0, second=0) + timedelta(days=rng.randint(1, 14))
            starts_at = day - timedelta(hours=2) + timedelta(minutes=15 * rng.randrange(40))
        return {
            "patient_id": str(patient_id), "practitioner_id": str(practitioner["id"]),
            "appointment_type_id": str(rng.choice(types)),
            "business_id": str(rng.choice(practitioner["business_ids"] or clinic.business_ids)),
            "starts_at": format_time(_as_time(starts_at)),
        }


def _count_sql(table: str, sql_where: str) -> str:
    """A view mixing two tables (schema.VIEWS) is counted through its ids: `LIMIT -1` keeps
    SQLite from counting the view's whole rows (correlated subqueries and all), 15x slower."""
    if table in VIEWS:
        return f"SELECT count(*) FROM (SELECT {table}.id FROM {table}{sql_where} LIMIT -1)"
    return f"SELECT count(*) FROM {table}{sql_where}"


def _int_id(value: int | str) -> int:
    row_id = parse_id(value)
    if row_id is None:  # not an int64: no row can have it
        raise NotFound(str(value))
    return row_id


def _as_time(value: datetime | str) -> datetime:
    return parse_time(value) if isinstance(value, str) else parse_time(format_time(value))

