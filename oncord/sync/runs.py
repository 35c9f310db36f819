"""Which run a pull carries on: the one handed over between slices, or a new one going on
from the checkpoint of a run whose worker died or that failed. Callers hold the sync lock,
so no worker is on a run still marked 'running'."""
from __future__ import annotations

from sqlalchemy import select

from oncord.extensions import db
from oncord.models import ClinikoConnection, SyncRun, SyncStatus
from oncord.timestamps import utcnow

WORKER_STOPPED = ("The worker running this sync stopped before it finished; "
                  "the next sync carried on from where it had got to.")
STOPPED_UNSAVED = "The worker running this sync stopped before it finished."


def handed_off(sync_run: SyncRun) -> bool:
    """The run stopped at the end of a slice and waits for the next one."""
    return sync_run.status == SyncStatus.RUNNING.value and bool((sync_run.checkpoint or {}).get("handoff"))


def resumable_run(connection: ClinikoConnection) -> SyncRun | None:
    """The latest run of this connection if it stopped short with a checkpoint to go on from."""
    latest = db.session.scalar(select(SyncRun).where(SyncRun.connection_id == connection.id)
                               .order_by(SyncRun.id.desc()).limit(1))
    if latest is None or latest.status == SyncStatus.SUCCEEDED.value or not latest.checkpoint:
        return None
    if connection.connected_at is not None and latest.started_at < connection.connected_at:
        return None  # from before the key was (re)connected: maybe another account
    return latest


def take_over_unfinished(connection: ClinikoConnection) -> SyncRun | None:
    """We hold the lock, so no one works on a 'running' run: a handed-off one goes on as it
    is; one whose worker died or that failed is closed, and a new run carries on from its
    checkpoint (a first pull never starts again from zero)."""
    latest = resumable_run(connection)
    close_abandoned_runs(connection.id, keep=latest)
    if latest is None or handed_off(latest):
        return latest
    if latest.status == SyncStatus.RUNNING.value:
        latest.status, latest.error = SyncStatus.FAILED.value, WORKER_STOPPED
        latest.finished_at = latest.heartbeat_at or latest.started_at
        connection.last_error = WORKER_STOPPED
    successor = SyncRun(connection_id=connection.id, trigger=latest.trigger, full=latest.full,
                        status=SyncStatus.RUNNING.value, phase=latest.phase, done=latest.done, total=latest.total,
                        counts=dict(latest.counts or {}), requests=latest.requests, slices=latest.slices,
                        problems=[], started_at=utcnow(), checkpoint=dict(latest.checkpoint))
    db.session.add(successor)
    db.session.commit()
    return successor


def close_abandoned_runs(connection_id: int, keep: SyncRun | None = None) -> None:
    """Runs left 'running' by a worker that died, other than the one carried on: over."""
    for stale in db.session.scalars(select(SyncRun).where(SyncRun.connection_id == connection_id,
                                                         SyncRun.status == SyncStatus.RUNNING.value)):
        if stale is keep:
            continue
        stale.status = SyncStatus.FAILED.value
        stale.error = STOPPED_UNSAVED
        stale.finished_at = stale.heartbeat_at or stale.started_at
    db.session.commit()
