"""The Cliniko card: the last sync and how healthy syncing is, from what Settings > Integrations reads.

`sync_state` (latest run, waiting edits, worker and schedule warnings) is reused as is; this adds
the edits Cliniko refused and how much of Cliniko's request allowance recent syncs spent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from oncord.cliniko.rate_budget import DEFAULT_LIMIT, DEFAULT_PERIOD
from oncord.extensions import db
from oncord.models import OutboxEdit, OutboxStatus, SyncRun, SyncStatus
from oncord.sync.connection import get_connection
from oncord.sync.status import SyncState, sync_state

BUDGET_WINDOW = timedelta(hours=1)
# Cliniko allows 200 requests a minute per user: 12,000 in the hour the card looks back on.
ALLOWANCE = int(DEFAULT_LIMIT * BUDGET_WINDOW.total_seconds() / DEFAULT_PERIOD)


@dataclass(frozen=True)
class SyncHealth:
    state: SyncState
    rejected_edits: int  # edits Cliniko refused (422), kept in oncord
    requests_last_hour: int

    @property
    def connected(self) -> bool:
        return bool(self.state.connection and self.state.connection.is_connected)

    @property
    def budget_percent(self) -> int:
        return min(100, round(100 * self.requests_last_hour / ALLOWANCE))

    @property
    def problems(self) -> list[str]:
        """What is wrong, in an administrator's words; empty when syncing is healthy."""
        return self.problems_for(admin=True)

    def problems_for(self, admin: bool) -> list[str]:
        """What is wrong; staff who do not run oncord are told whom to ask, not how to start a worker."""
        state, found = self.state, []
        run = state.latest
        if warning := (state.background.warning if admin else state.background.staff_warning):
            found.append(warning)
        if run and run.status == SyncStatus.FAILED.value:
            found.append("The last sync failed" + (f": {run.error}" if run.error else "."))
        elif state.connection and state.connection.last_error and not (run and run.active):
            found.append(state.connection.last_error)
        if run and run.problems:
            n = len(run.problems)
            found.append(f"The last sync skipped or repaired {n} record{'s' if n != 1 else ''}.")
        if self.rejected_edits:
            n = self.rejected_edits
            found.append(f"Cliniko refused {n} edit{'s' if n != 1 else ''}: each contact's page says why.")
        if state.stalled_since:
            found.append("The running sync has not been heard from for a while; the next sync carries on from it.")
        return found

    @property
    def healthy(self) -> bool:
        return self.connected and not self.problems


def sync_health(now: datetime) -> SyncHealth:
    connection = get_connection()
    state = sync_state(connection)
    if connection is None:
        return SyncHealth(state, 0, 0)
    rejected = db.session.scalar(select(func.count(OutboxEdit.id)).where(
        OutboxEdit.status == OutboxStatus.REJECTED.value)) or 0
    since = now - BUDGET_WINDOW
    requests = db.session.scalar(select(func.coalesce(func.sum(SyncRun.requests), 0)).where(
        SyncRun.connection_id == connection.id,
        or_(SyncRun.started_at >= since, SyncRun.finished_at >= since, SyncRun.finished_at.is_(None)))) or 0
    return SyncHealth(state, int(rejected), int(requests))
