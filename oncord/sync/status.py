"""What the settings page and `flask cliniko status` say about syncing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from oncord import scheduled_jobs
from oncord.background import UNAVAILABLE
from oncord.extensions import db
from oncord.models import ClinikoConnection, SyncRun, SyncStatus
from oncord.sync import outbox, schedule


@dataclass(frozen=True)
class Background:
    """What the worker and the schedule look like from Redis, for a warning staff can act on."""
    available: bool = True  # Redis answers
    workers: int = 0
    scheduled: list[scheduled_jobs.NextRun] = field(default_factory=list)

    @property
    def warning(self) -> str | None:
        if not self.available:
            return ("Background services are unavailable: automatic sync, Synchronise and sending edits to "
                    "Cliniko are paused. Edits are kept and sent once they are back.")
        if not self.workers:
            return ("No background worker is running: nothing syncs and edits for Cliniko wait until one "
                    "starts. Whoever runs oncord starts it with python worker.py.")
        missing = [run.label for run in self.scheduled if run.missing]
        if missing:
            return (f"Not scheduled: {', '.join(missing)}. A running worker puts it back within a minute or so; "
                    "if this stays, restart the worker.")
        return None

    @property
    def staff_warning(self) -> str | None:
        """The same news for staff who do not run oncord: what it means for them, and whom to ask."""
        if not self.available or not self.workers:
            return ("Syncing with Cliniko has stopped for now: edits are kept and sent once it is back. "
                    "If this stays, tell your administrator.")
        if any(run.missing for run in self.scheduled):
            return "Part of the automatic sync is not scheduled. If this stays, tell your administrator."
        return None


def background_status() -> Background:
    try:
        return Background(True, scheduled_jobs.running_workers(), scheduled_jobs.next_runs())
    except UNAVAILABLE:
        return Background(available=False)


@dataclass(frozen=True)
class SyncState:
    connection: ClinikoConnection | None
    latest: SyncRun | None  # the run in progress, or the last one
    queued: bool  # a pull is waiting for a worker, or starting
    next_run_at: datetime | None  # from the real schedule: None when off or missing
    waiting_edits: int = 0  # edits of linked contacts not yet in Cliniko
    background: Background = field(default_factory=Background)

    @property
    def active(self) -> bool:
        """Worth polling: a run is going or about to."""
        return self.queued or bool(self.latest and self.latest.active)

    @property
    def stalled_since(self) -> datetime | None:
        """A run marked running whose worker has not been heard from for longer than a live
        one ever is silent: the page says so rather than show a frozen bar as progress."""
        from flask import current_app

        from oncord.timestamps import utcnow

        run = self.latest
        if not run or not run.active or run.heartbeat_at is None:
            return None
        quiet = (utcnow() - run.heartbeat_at).total_seconds()
        return run.heartbeat_at if quiet > int(current_app.config["JOB_DEAD_AFTER_SECONDS"]) else None

    @property
    def percent(self) -> int:
        run = self.latest
        if not run or not run.total:
            return 0
        return min(100, round(100 * run.done / run.total))

    def as_dict(self) -> dict:
        run, conn = self.latest, self.connection
        return {
            "connected": bool(conn and conn.is_connected),
            "auto_sync": bool(conn and conn.auto_sync),
            "last_success_at": _iso(conn.last_success_at) if conn else None,
            "last_error": conn.last_error if conn else None,
            "next_run_at": _iso(self.next_run_at),
            "queued": self.queued,
            "waiting_edits": self.waiting_edits,
            "background_warning": self.background.warning,
            "scheduled": {run.label: _iso(run.at) for run in self.background.scheduled},
            "latest_run": None if run is None else {
                "id": run.id, "status": run.status, "trigger": run.trigger, "full": run.full, "phase": run.phase,
                "done": run.done, "total": run.total, "started_at": _iso(run.started_at),
                "finished_at": _iso(run.finished_at), "duration_seconds": run.duration_seconds,
                "counts": run.counts, "requests": run.requests, "problems": run.problems, "error": run.error,
            },
        }


def sync_state(connection: ClinikoConnection | None) -> SyncState:
    if connection is None:
        return SyncState(None, None, False, None)
    latest = db.session.scalar(select(SyncRun).where(SyncRun.connection_id == connection.id)
                               .order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(1))
    background = background_status()
    queued, next_run = False, None
    if background.available and connection.is_connected:
        # A pull job counts until its run row shows it going: a job just started has none yet.
        try:
            queued = schedule.pending_pull(connection.id) is not None
        except UNAVAILABLE:  # Redis went away since: the warning above still says so on the next poll
            queued = False
        if connection.auto_sync:
            next_run = next((run.at for run in background.scheduled if run.label == schedule.AUTOMATIC_SYNC), None)
    return SyncState(connection, latest, queued, next_run, outbox.waiting_count(), background)


def history(connection: ClinikoConnection, limit: int = 20) -> list[SyncRun]:
    return list(db.session.scalars(select(SyncRun).where(SyncRun.connection_id == connection.id)
                                   .order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(limit)))


def last_successful_run(connection: ClinikoConnection) -> SyncRun | None:
    return db.session.scalar(select(SyncRun).where(SyncRun.connection_id == connection.id,
                                                   SyncRun.status == SyncStatus.SUCCEEDED.value)
                             .order_by(SyncRun.finished_at.desc()).limit(1))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
