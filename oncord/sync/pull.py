"""The pull: Cliniko's practitioners, appointment types, businesses, patients and appointments into oncord.

Each page is one transaction: its rows, its events, the cursor it moves and the run's
progress commit together, so a sync killed anywhere and run again ends where an
uninterrupted one would. Incremental runs ask only for rows updated after the cursor
(less an overlap), plus §8's cheap archived/cancelled polls.

A run keeps a checkpoint (step, listing, last committed `(updated_at, id)`): given a time
budget it stops at a page boundary and hands over to the next worker job, and a run
killed or failed anywhere is carried on from its checkpoint by the next sync.
"""
from __future__ import annotations

import itertools
import logging
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from redis.exceptions import LockNotOwnedError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from oncord import cliniko
from oncord.extensions import db
from oncord.models import Appointment, ClinikoConnection, Contact, SyncRun, SyncStatus, SyncTrigger
from oncord.sync import connection as connections
from oncord.sync import keyset, push
from oncord.sync.appointments import apply_appointments
from oncord.sync.classes import all_class_ids, apply_classes, apply_seats, merge_results
from oncord.sync.lock import SyncAlreadyRunning, lock_ttl, sync_lock
from oncord.sync.patients import PageResult, apply_merges, apply_patients, mark_deleted
from oncord.sync.reference import apply_appointment_types, apply_businesses, apply_practitioners
from oncord.sync.runs import WORKER_STOPPED, handed_off, resumable_run, take_over_unfinished  # noqa: F401
from oncord.sync.upsert import refresh_statistics, refusal_reason
from oncord.timestamps import utcnow

log = logging.getLogger(__name__)
# Rows Cliniko commits a little after their `updated_at` must not slip past the cursor.
OVERLAP = timedelta(minutes=5)
PAGE = 100
PHASES = ("practitioners", "appointment types", "locations", "patients", "appointments", "class attendees",
          "pushing edits")
STATISTICS_EVERY = 50  # pages between planner-statistics refreshes on PostgreSQL
STEPS = ("reference", "patients", "deletions", "appointments", "attendees", "push", "done")
CLASS_CHUNK = 50  # classes whose attendees one listing asks for (`appointment_id:=a,b,...`)


class SliceOver(Exception):
    """The slice's time is spent: the checkpoint is committed and another job goes on."""


class Recorder:
    """Writes the run's progress to its row (committed with each page) and keeps the lock alive."""

    def __init__(self, run: SyncRun, lock, client: cliniko.ClinikoClient, on_progress: Callable | None = None,
                 deadline: float | None = None):
        self.run, self.lock, self.client, self.on_progress = run, lock, client, on_progress
        # A run carried on from a checkpoint keeps counting from where it was.
        self.tallies: dict[str, Counter] = {name: Counter(t) for name, t in (run.counts or {}).items()}
        self.requests_before = run.requests or 0
        self.pages = 0
        self.deadline = deadline
        self.between_pages: Callable[[], None] | None = None  # pushes due edits mid-pull

    def phase(self, name: str, total: int | None) -> None:
        self.run.phase, self.run.done, self.run.total = name, 0, total
        self.tallies.setdefault(name, Counter())
        self.commit()

    def rows_left(self, remaining: int) -> None:
        """A listing's first page says how many rows it has left: the total is what is done plus those."""
        self.run.total = self.run.done + remaining

    def resume_phase(self, name: str) -> None:
        """Carry on a phase a previous slice began: done and total stay, so the progress bar
        goes on rather than back to 0 (the first page corrects the total)."""
        self.run.phase = name
        self.tallies.setdefault(name, Counter())
        self.commit()

    @property
    def checkpoint(self) -> dict:
        return dict(self.run.checkpoint or {})

    def save_position(self, step: str, listing: int = 0, position: keyset.Position = keyset.Position()) -> None:
        """Where to carry on; committed with the page it follows (or the next commit)."""
        self.run.checkpoint = {**self.checkpoint, "step": step, "listing": listing,
                               "updated_at": position.updated_at.isoformat() if position.updated_at else None,
                               "id": position.id}

    def position(self) -> tuple[int, keyset.Position]:
        checkpoint = self.checkpoint
        at = checkpoint.get("updated_at")
        return checkpoint.get("listing", 0), keyset.Position(datetime.fromisoformat(at) if at else None,
                                                             checkpoint.get("id"))

    def since(self, resource: str) -> datetime | None:
        at = (self.checkpoint.get("since") or {}).get(resource)
        return datetime.fromisoformat(at) if at else None

    def after_page(self) -> None:
        """Between committed pages: send edits that fell due; stop when the slice's time is up."""
        if self.between_pages is not None:
            self.between_pages()
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise SliceOver

    def tally(self, name: str, result: PageResult) -> None:
        """Counts that are not the phase's progress (edits pushed mid-pull)."""
        result.add_to(self.tallies.setdefault(name, Counter()))
        for problem in result.problems:
            self.problem(problem)
        self.commit()

    def page(self, name: str, result: PageResult, rows: int, table=None) -> None:
        result.add_to(self.tallies[name])
        self.pages += 1
        if table is not None and self.pages % STATISTICS_EVERY == 1:
            refresh_statistics(table)
        self.run.done += rows
        if self.run.total is not None and self.run.done > self.run.total:
            self.run.total = self.run.done
        for problem in result.problems:
            self.problem(problem)
        self.commit()

    def problem(self, text: str) -> None:
        log.warning("sync run %s: %s", self.run.id, text)
        if len(self.run.problems) < 200:  # a summary, not a log dump
            self.run.problems = [*self.run.problems, text]

    def bad_row(self, error: cliniko.ClinikoDataError) -> None:
        self.tallies[self.run.phase].update(skipped=1)
        self.problem(f"skipped {error}")

    def keep_lock(self) -> None:
        """Extend the lock; if Redis lost it (flushed, restarted), take it back unless another
        worker has it by now, which then goes on with the run: this one stops."""
        try:
            self.lock.extend(lock_ttl(), replace_ttl=True)
        except LockNotOwnedError:
            if not self.lock.acquire(blocking=False):
                raise SyncAlreadyRunning("another worker took over this sync") from None
            log.warning("sync run %s: the sync lock was lost (Redis emptied?) and taken back", self.run.id)

    def commit(self) -> None:
        self.run.counts = {name: dict(t) for name, t in self.tallies.items()}
        self.run.requests = self.requests_before + self.client.requests_sent
        self.run.heartbeat_at = utcnow()
        db.session.commit()
        self.keep_lock()
        if self.on_progress:
            self.on_progress(self.run.phase, self.run.done, self.run.total)


def start_run(connection: ClinikoConnection, trigger: SyncTrigger, full: bool) -> SyncRun:
    checked_at = last_success_started_at(connection.id)
    since = {"patients": None if full else changed_since(connection.patients_cursor, checked_at),
             "appointments": None if full else changed_since(connection.appointments_cursor, checked_at),
             "attendees": None if full else changed_since(connection.attendees_cursor, checked_at)}
    run = SyncRun(connection_id=connection.id, trigger=trigger.value, full=full, status=SyncStatus.RUNNING.value,
                  counts={}, problems=[], started_at=utcnow(), slices=0,
                  checkpoint={"step": STEPS[0], "listing": 0, "updated_at": None, "id": None, "handoff": False,
                              # attendees never pulled before (classes came with an upgrade): history
                              "attendee_history": connection.attendees_cursor is None,
                              "since": {k: v.isoformat() if v else None for k, v in since.items()}})
    db.session.add(run)
    db.session.commit()
    return run


def run(connection_id: int, trigger: SyncTrigger = SyncTrigger.MANUAL, full: bool = False,
        on_progress: Callable | None = None, budget: float | None = None,
        requested_at: datetime | None = None) -> SyncRun:
    """Pull everything that changed (or everything, when `full` or never synced), carrying on
    an unfinished run from its checkpoint first. With `budget` seconds, stop at a page
    boundary once they are spent and return the run still 'running' (`handed_off`) for
    another job to go on with. A full pull that finished after `requested_at` (when the job
    was queued) makes asking for another unnecessary. Raises SyncAlreadyRunning when another
    sync holds the lock."""
    with sync_lock(connection_id) as lock:
        connection = connections.require_connection(connection_id)
        if full and requested_at and connection.last_full_sync_at and connection.last_full_sync_at >= requested_at:
            full = False
        if trigger is SyncTrigger.AFTER_EDIT and (connection.last_full_sync_at is None
                                                 or resumable_run(connection) is not None):
            # A long pull is under way: edits go now, not when it ends.
            return push_only(connection, lock, on_progress)
        sync_run = take_over_unfinished(connection)
        if sync_run is None:
            # Until a first full pull has finished, every run is full and what it finds is history.
            sync_run = start_run(connection, trigger, full or connection.last_full_sync_at is None)
        sync_run.slices += 1
        sync_run.checkpoint = {**sync_run.checkpoint, "handoff": False}
        client = connections.client_for(connection)
        recorder = Recorder(sync_run, lock, client, on_progress,
                            deadline=None if budget is None else time.monotonic() + budget)
        recorder.between_pages = push.PushWhenDue(client, connection, recorder)
        try:
            with client:
                carry_on(client, connection, recorder, everything=trigger in EVERYTHING_NOW)
        except SliceOver:
            sync_run.checkpoint = {**recorder.checkpoint, "handoff": True}
            recorder.commit()
            return sync_run
        except SyncAlreadyRunning:
            db.session.rollback()  # the run is someone else's now: leave it to them
            raise
        except Exception as exc:
            db.session.rollback()
            finish(sync_run, connection, recorder, error=exc)
            if is_database_error(exc):  # RQ stores the raised error's text: keep row data out of it
                raise SyncFailed(sync_run.error) from None
            raise
        finally:
            recorder.between_pages = None  # no cycle keeps the run's objects alive in the session
        finish(sync_run, connection, recorder)
        return sync_run


def carry_on(client: cliniko.ClinikoClient, connection: ClinikoConnection, recorder: Recorder,
             everything: bool) -> None:
    """Each step from the checkpoint's on; the checkpoint moves past a step once it is done."""
    steps = {
        "reference": lambda: pull_reference(client, recorder),
        "patients": lambda: pull_patients(client, connection, recorder),
        "deletions": lambda: pull_deletions(client, recorder, recorder.since("patients")),
        "appointments": lambda: pull_appointments(client, connection, recorder),
        "attendees": lambda: pull_attendees(client, connection, recorder),
        "push": lambda: push_edits(client, connection, recorder, everything=everything),
    }
    for index in range(STEPS.index(recorder.checkpoint.get("step", STEPS[0])), len(STEPS) - 1):
        steps[STEPS[index]]()
        recorder.save_position(STEPS[index + 1])
        recorder.commit()


def pull_reference(client: cliniko.ClinikoClient, recorder: Recorder) -> None:
    listing = client.practitioners(active=True, on_bad_row=recorder.bad_row)
    recorder.phase("practitioners", listing.count_total())
    for active, listing in ((True, listing), (False, client.practitioners(active=False, on_bad_row=recorder.bad_row))):
        for page in pages(listing):
            recorder.page("practitioners", apply_practitioners(page, active), len(page))
    listing = client.appointment_types(include_archived=True, on_bad_row=recorder.bad_row)
    recorder.phase("appointment types", listing.count_total())
    for page in pages(listing):
        recorder.page("appointment types", apply_appointment_types(page), len(page))
    listing = client.businesses(include_archived=True, on_bad_row=recorder.bad_row)
    recorder.phase("locations", listing.count_total())
    for page in pages(listing):
        recorder.page("locations", apply_businesses(page), len(page))


def pull_patients(client: cliniko.ClinikoClient, connection: ClinikoConnection, recorder: Recorder) -> None:
    backfill = connection.last_full_sync_at is None
    since = recorder.since("patients")
    listings = [lambda q, sort, n: client.patients(updated_since=since, include_archived=True, q=q, sort=sort,
                                                   per_page=n)]
    if since is not None:  # whether archiving bumps updated_at is unknown: ask directly too
        listings.append(lambda q, sort, n: client.patients(archived_since=since, q=q, sort=sort, per_page=n))

    def apply(page: list) -> PageResult:
        connection.patients_cursor = _later(connection.patients_cursor, max(p.updated_at for p in page))
        return apply_patients(page, run_id=recorder.run.id, backfill=backfill)

    pull_listings(recorder, "patients", listings, apply, Contact.__table__)


def pull_deletions(client: cliniko.ClinikoClient, recorder: Recorder, since: datetime | None) -> None:
    """Patients deleted the legacy way vanish from every list but `/patients/deleted`."""
    try:
        for page in pages(client.deleted_patients(deleted_since=since, on_bad_row=recorder.bad_row)):
            recorder.page("patients", mark_deleted(page, run_id=recorder.run.id), 0)
    except (cliniko.NotFound, cliniko.BadRequest):  # the legacy listing is gone: nothing to learn
        log.info("cliniko: /patients/deleted is not available; skipping deletion poll")
    if apply_merges():
        db.session.commit()


def pull_appointments(client: cliniko.ClinikoClient, connection: ClinikoConnection, recorder: Recorder) -> None:
    """`/bookings`: individual appointments and classes in one listing, and one archived poll for
    both. Cancellations come with the attendee polls (every appointment has an attendee)."""
    backfill = connection.last_full_sync_at is None
    since = recorder.since("appointments")
    listings = [lambda q, sort, n: client.bookings(updated_since=since, q=q, sort=sort, per_page=n)]
    if since is not None:
        listings.append(lambda q, sort, n: client.bookings(archived_since=since, q=q, sort=sort, per_page=n))

    def apply(page: list) -> PageResult:
        connection.appointments_cursor = _later(connection.appointments_cursor, max(b.updated_at for b in page))
        return apply_bookings(page, run_id=recorder.run.id, backfill=backfill)

    pull_listings(recorder, "appointments", listings, apply, Appointment.__table__)


def apply_bookings(page: list, *, run_id: int, backfill: bool) -> PageResult:
    """Classes first, so their attendances follow them; unavailable blocks are not ours."""
    result = apply_classes([b for b in page if isinstance(b, cliniko.GroupAppointment)], run_id=run_id,
                           backfill=backfill)
    individual = [b for b in page if isinstance(b, cliniko.Appointment)]
    return merge_results(result, apply_appointments(individual, run_id=run_id, backfill=backfill))


def pull_attendees(client: cliniko.ClinikoClient, connection: ClinikoConnection, recorder: Recorder) -> None:
    """Seats: incrementally the updated, cancelled and archived polls of `/attendees` (which
    list individual appointments' attendees too); in a full pull, the attendees of every
    class, a chunk of classes per listing."""
    history = connection.last_full_sync_at is None or bool(recorder.checkpoint.get("attendee_history"))
    since = recorder.since("attendees")
    if since is None:
        ids = all_class_ids()
        chunks = [ids[i:i + CLASS_CHUNK] for i in range(0, len(ids), CLASS_CHUNK)]
        listings = [lambda q, sort, n, chunk=chunk: client.attendees(booking_ids=chunk, q=q, sort=sort, per_page=n)
                    for chunk in chunks]
    else:
        listings = [lambda q, sort, n, poll=poll: client.attendees(**{poll: since}, q=q, sort=sort, per_page=n)
                    for poll in ("updated_since", "cancelled_since", "archived_since")]

    def apply(page: list) -> PageResult:
        connection.attendees_cursor = _later(connection.attendees_cursor, max(a.updated_at for a in page))
        return apply_seats(client, page, run_id=recorder.run.id, backfill=history)

    pull_listings(recorder, "class attendees", listings, apply, Appointment.__table__)
    if since is None and connection.appointments_cursor is not None:
        # Every class seat was just read, and /bookings covered individual appointments up to
        # its cursor: the polls go on from there (not from the last class seat's change, which
        # would re-read every individual appointment's attendee changed since).
        connection.attendees_cursor = _later(connection.appointments_cursor, connection.attendees_cursor
                                             or connection.appointments_cursor)
    if connection.attendees_cursor is None:  # no seat anywhere yet: later seats are news, not history
        connection.attendees_cursor = recorder.run.started_at - OVERLAP


def pull_listings(recorder: Recorder, step: str, listings: list[keyset.Fetch], apply: Callable[[list], PageResult],
                  table) -> None:
    """Read `listings` in turn from the checkpoint on; each page commits with its position."""
    first, position = recorder.position()
    if first == 0 and position.updated_at is None:
        recorder.phase(step, None)  # the first page's total_entries says
    else:
        recorder.resume_phase(step)
    for index in range(first, len(listings)):
        start = position if index == first else keyset.Position()
        # A resumed listing counts its last committed row again (it asks from that row on).
        left = (lambda n: recorder.rows_left(max(0, n - 1))) if start.updated_at else recorder.rows_left
        for page, reached in keyset.pages_from(listings[index], start, recorder.bad_row, on_total=left):
            result = apply(page)
            recorder.save_position(step, index, reached)
            recorder.page(step, result, len(page), table)
            recorder.after_page()
        recorder.save_position(step, index + 1)


# Staff asked for a sync: send every waiting edit. Otherwise only batches that are due.
EVERYTHING_NOW = {SyncTrigger.MANUAL, SyncTrigger.COMMAND_LINE}


def push_edits(client: cliniko.ClinikoClient, connection: ClinikoConnection, recorder: Recorder,
               everything: bool) -> None:
    """After the pull has settled conflicts: PATCH waiting edits, one request per contact."""
    due = push.due_contact_ids(utcnow(), everything)
    if not due:
        return
    recorder.phase("pushing edits", len(due))
    push.push_pending(client, run_id=recorder.run.id, everything=everything,
                      on_contact=lambda result: recorder.page("pushing edits", result, 1))
    push.queue_next_push(connection.id)


def push_only(connection: ClinikoConnection, lock, on_progress: Callable | None) -> SyncRun:
    """Edits due while a full pull is unfinished: pushed now, counted on that pull's run."""
    host = resumable_run(connection)
    sync_run = host or start_run(connection, SyncTrigger.AFTER_EDIT, full=False)
    client = connections.client_for(connection)
    recorder = Recorder(sync_run, lock, client, on_progress)
    with client:
        push.PushWhenDue(client, connection, recorder)(force=True)
    if host is None:
        sync_run.status, sync_run.phase, sync_run.finished_at = SyncStatus.SUCCEEDED.value, None, utcnow()
        sync_run.checkpoint = None  # nothing to carry on
    recorder.commit()
    return sync_run


def finish(sync_run: SyncRun, connection: ClinikoConnection, recorder: Recorder, error: Exception | None = None) -> None:
    now = utcnow()
    sync_run = db.session.merge(sync_run)
    connection = db.session.merge(connection)
    sync_run.finished_at = sync_run.heartbeat_at = now
    sync_run.requests = recorder.requests_before + recorder.client.requests_sent
    sync_run.counts = {name: dict(t) for name, t in recorder.tallies.items()}
    if error is None:
        sync_run.status = SyncStatus.SUCCEEDED.value
        sync_run.phase = None
        connection.last_success_at = now
        connection.last_error = None
        if sync_run.full:
            connection.last_full_sync_at = now
    else:
        sync_run.status = SyncStatus.FAILED.value
        sync_run.error = describe_error(error)
        connection.last_error = sync_run.error
        if is_database_error(error):  # its message may quote row data: where it failed, not what
            log.error("sync run %s failed: %s (%s)\n%s", sync_run.id, sync_run.error, type(error).__name__,
                      "".join(traceback.format_tb(error.__traceback__)))
        else:
            log.exception("sync run %s failed", sync_run.id, exc_info=error)
    db.session.commit()


def describe_error(error: Exception) -> str:
    """The last error in plain words for the settings page."""
    if isinstance(error, cliniko.AuthenticationFailed):
        return "Cliniko no longer accepts the API key. Connect again with a current key."
    if isinstance(error, cliniko.RateLimited):
        return "Cliniko limited our requests for too long; the next sync will continue."
    if isinstance(error, cliniko.Unavailable):
        return "Cliniko could not be reached; the next sync will try again."
    if isinstance(error, connections.NotConnected):
        return "Cliniko is not connected."
    if is_database_error(error):  # never the message: databases quote the values they refuse
        return f"The sync stopped on a database error ({refusal_reason(error)}); the next sync will try again."
    return f"The sync stopped: {type(error).__name__}: {error}"


class SyncFailed(RuntimeError):
    """Raised in place of a database error, whose text could carry patient data."""


def is_database_error(error: Exception) -> bool:
    return isinstance(error, (SQLAlchemyError, UnicodeError))


def changed_since(cursor: datetime | None, checked_at: datetime | None) -> datetime | None:
    """Where an incremental listing starts: the cursor, moved back to cover rows that were
    being committed while the last successful sync was reading (no further: an idle
    sync must not re-read a busy afternoon's worth of rows)."""
    if cursor is None:
        return None
    if checked_at is None:
        return cursor - OVERLAP
    return min(cursor, checked_at - OVERLAP)


def last_success_started_at(connection_id: int) -> datetime | None:
    return db.session.scalar(select(SyncRun.started_at).where(
        SyncRun.connection_id == connection_id, SyncRun.status == SyncStatus.SUCCEEDED.value)
        .order_by(SyncRun.started_at.desc()).limit(1))


def pages(records: Iterable, size: int = PAGE) -> Iterator[list]:
    iterator = iter(records)
    while page := list(itertools.islice(iterator, size)):
        yield page


def _later(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate > current else current
