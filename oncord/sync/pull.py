"""The pull: Cliniko's practitioners, appointment types, patients and appointments into oncord.

Each page is one transaction: its rows, its events, the cursor it moves and the run's
progress commit together, so a sync killed anywhere and run again ends where an
uninterrupted one would. Incremental runs ask only for rows updated after the cursor
(less an overlap), plus §8's cheap archived/cancelled polls.
"""
from __future__ import annotations

import itertools
import logging
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from oncord import cliniko
from oncord.extensions import db
from oncord.models import Appointment, ClinikoConnection, Contact, SyncRun, SyncStatus, SyncTrigger
from oncord.sync import connection as connections
from oncord.sync import push
from oncord.sync.appointments import apply_appointments
from oncord.sync.lock import TTL, sync_lock
from oncord.sync.patients import PageResult, apply_merges, apply_patients, mark_deleted
from oncord.sync.reference import apply_appointment_types, apply_practitioners
from oncord.sync.upsert import refresh_statistics, refusal_reason
from oncord.timestamps import utcnow

log = logging.getLogger(__name__)
# Rows Cliniko commits a little after their `updated_at` must not slip past the cursor.
OVERLAP = timedelta(minutes=5)
PAGE = 100
PHASES = ("practitioners", "appointment types", "patients", "appointments", "pushing edits")
STATISTICS_EVERY = 50  # pages between planner-statistics refreshes on PostgreSQL


class Recorder:
    """Writes the run's progress to its row (committed with each page) and keeps the lock alive."""

    def __init__(self, run: SyncRun, lock, client: cliniko.ClinikoClient, on_progress: Callable | None = None):
        self.run, self.lock, self.client, self.on_progress = run, lock, client, on_progress
        self.tallies: dict[str, Counter] = {}
        self.pages = 0

    def phase(self, name: str, total: int | None) -> None:
        self.run.phase, self.run.done, self.run.total = name, 0, total
        self.tallies.setdefault(name, Counter())
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

    def commit(self) -> None:
        self.run.counts = {name: dict(t) for name, t in self.tallies.items()}
        self.run.requests = self.client.requests_sent
        self.run.heartbeat_at = utcnow()
        db.session.commit()
        self.lock.extend(TTL, replace_ttl=True)
        if self.on_progress:
            self.on_progress(self.run.phase, self.run.done, self.run.total)


def start_run(connection: ClinikoConnection, trigger: SyncTrigger, full: bool) -> SyncRun:
    run = SyncRun(connection_id=connection.id, trigger=trigger.value, full=full, status=SyncStatus.RUNNING.value,
                  counts={}, problems=[], started_at=utcnow())
    db.session.add(run)
    db.session.commit()
    return run


def run(connection_id: int, trigger: SyncTrigger = SyncTrigger.MANUAL, full: bool = False,
        on_progress: Callable | None = None) -> SyncRun:
    """Pull everything that changed (or everything, when `full` or never synced). Raises
    SyncAlreadyRunning when another sync of this connection holds the lock."""
    with sync_lock(connection_id) as lock:
        connection = connections.require_connection(connection_id)
        close_abandoned_runs(connection.id)
        # Until a first full pull has finished, every run is full and what it finds is history.
        full = full or connection.last_full_sync_at is None
        sync_run = start_run(connection, trigger, full)
        client = connections.client_for(connection)
        recorder = Recorder(sync_run, lock, client, on_progress)
        checked_at = last_success_started_at(connection.id)
        try:
            with client:
                pull_reference(client, recorder)
                pull_patients(client, connection, recorder, full, checked_at)
                pull_appointments(client, connection, recorder, full, checked_at)
                push_edits(client, connection, recorder, everything=trigger in EVERYTHING_NOW)
        except Exception as exc:
            db.session.rollback()
            finish(sync_run, connection, recorder, error=exc)
            if is_database_error(exc):  # RQ stores the raised error's text: keep row data out of it
                raise SyncFailed(sync_run.error) from None
            raise
        finish(sync_run, connection, recorder)
        return sync_run


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


def pull_patients(client: cliniko.ClinikoClient, connection: ClinikoConnection, recorder: Recorder, full: bool,
                  checked_at: datetime | None) -> None:
    backfill = connection.last_full_sync_at is None
    since = None if full else changed_since(connection.patients_cursor, checked_at)
    listings = [client.patients(updated_since=since, include_archived=True, sort="updated_at",
                                on_bad_row=recorder.bad_row)]
    if since is not None:  # whether archiving bumps updated_at is unknown: ask directly too
        listings.append(client.patients(archived_since=since, sort="updated_at", on_bad_row=recorder.bad_row))
    recorder.phase("patients", sum(listing.count_total() for listing in listings))
    for listing in listings:
        for page in pages(listing):
            result = apply_patients(page, run_id=recorder.run.id, backfill=backfill)
            connection.patients_cursor = _later(connection.patients_cursor, max(p.updated_at for p in page))
            recorder.page("patients", result, len(page), Contact.__table__)
    pull_deletions(client, recorder, since)
    if apply_merges():
        db.session.commit()


def pull_deletions(client: cliniko.ClinikoClient, recorder: Recorder, since: datetime | None) -> None:
    """Patients deleted the legacy way vanish from every list but `/patients/deleted`."""
    try:
        for page in pages(client.deleted_patients(deleted_since=since, on_bad_row=recorder.bad_row)):
            recorder.page("patients", mark_deleted(page, run_id=recorder.run.id), 0)
    except (cliniko.NotFound, cliniko.BadRequest):  # the legacy listing is gone: nothing to learn
        log.info("cliniko: /patients/deleted is not available; skipping deletion poll")


def pull_appointments(client: cliniko.ClinikoClient, connection: ClinikoConnection, recorder: Recorder,
                      full: bool, checked_at: datetime | None) -> None:
    backfill = connection.last_full_sync_at is None
    since = None if full else changed_since(connection.appointments_cursor, checked_at)
    listings = [client.appointments(updated_since=since, include_cancelled=True, include_archived=True,
                                    sort="updated_at", on_bad_row=recorder.bad_row)]
    if since is not None:
        listings.append(client.appointments(cancelled_since=since, include_archived=True, sort="updated_at",
                                            on_bad_row=recorder.bad_row))
        listings.append(client.appointments(archived_since=since, include_cancelled=True, sort="updated_at",
                                            on_bad_row=recorder.bad_row))
    recorder.phase("appointments", sum(listing.count_total() for listing in listings))
    for listing in listings:
        for page in pages(listing):
            result = apply_appointments(page, run_id=recorder.run.id, backfill=backfill)
            connection.appointments_cursor = _later(connection.appointments_cursor, max(a.updated_at for a in page))
            recorder.page("appointments", result, len(page), Appointment.__table__)


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
    if (next_due := push.next_due_at()) is not None:
        from oncord.sync import schedule

        schedule.queue_push(connection.id, next_due)


def finish(sync_run: SyncRun, connection: ClinikoConnection, recorder: Recorder, error: Exception | None = None) -> None:
    now = utcnow()
    sync_run = db.session.merge(sync_run)
    connection = db.session.merge(connection)
    sync_run.finished_at = sync_run.heartbeat_at = now
    sync_run.requests = recorder.client.requests_sent
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


def close_abandoned_runs(connection_id: int) -> None:
    """Runs left 'running' by a worker that died: we hold the lock now, so they are over."""
    for stale in db.session.scalars(select(SyncRun).where(SyncRun.connection_id == connection_id,
                                                         SyncRun.status == SyncStatus.RUNNING.value)):
        stale.status = SyncStatus.FAILED.value
        stale.error = "Interrupted (the worker stopped); the next sync picked up where it left off."
        stale.finished_at = stale.heartbeat_at or stale.started_at
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
