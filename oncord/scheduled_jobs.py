"""The scheduled jobs oncord needs, read from RQ's real schedule and put back when missing.

A Redis flush, a restore or a click on "delete" in /jobs/ can drop a scheduled job, and
nothing would run it again. Each worker calls `restore_missing` when it starts and every
minute or so; every `ensure` is idempotent (fixed or time-slot job ids), so any number of
workers may do it at once. The settings page reads `next_runs` and warns when one is
missing. Other modules add theirs with `register` at import and are listed in
`REGISTERING_MODULES` (the marketing automations tick will be).
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from rq import Worker

from oncord.queues import all_queues, job_id, redis_connection
from oncord.timestamps import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    label: str  # staff words, as the settings page shows it
    id_prefix: str  # the ids of this schedule's jobs start with it
    needed: Callable[[], bool]  # whether it should be scheduled now
    ensure: Callable[[], object]  # schedule it unless it already is; safe to repeat
    # A repeating job's period: a next run further off than this was scheduled under an older,
    # longer period (the setting changed) and is put right, not waited for.
    every: Callable[[], timedelta] | None = None

    def overdue_for_repair(self, at: datetime | None) -> bool:
        if at is None:
            return True
        return self.every is not None and at > utcnow() + self.every() + SLACK


@dataclass(frozen=True)
class NextRun:
    label: str
    needed: bool
    at: datetime | None  # None: not in the schedule

    @property
    def missing(self) -> bool:
        return self.needed and self.at is None


SLACK = timedelta(seconds=5)
_REGISTRY: dict[str, ScheduledJob] = {}
REGISTERING_MODULES = ("oncord.sync.schedule", "oncord.messaging.recovery", "oncord.automations.schedule",
                       "oncord.campaigns.scheduling")


def register(job: ScheduledJob) -> None:
    _REGISTRY[job.id_prefix] = job


def registered() -> list[ScheduledJob]:
    for module in REGISTERING_MODULES:
        importlib.import_module(module)  # each registers its jobs on import
    return list(_REGISTRY.values())


def next_run_at(id_prefix: str) -> datetime | None:
    """When the earliest job of this schedule runs: now if one is queued or running."""
    connection = redis_connection()
    id_prefix = job_id(id_prefix)  # this install's
    times = []
    for queue in all_queues():
        waiting_or_running = queue.get_job_ids() + queue.started_job_registry.get_job_ids(cleanup=False)
        if any(waiting.startswith(id_prefix) for waiting in waiting_or_running):
            return utcnow()
        for raw_id, score in connection.zrange(queue.scheduled_job_registry.key, 0, -1, withscores=True):
            if raw_id.decode().startswith(id_prefix):
                times.append(datetime.fromtimestamp(score, tz=timezone.utc))
    return min(times, default=None)


def next_runs() -> list[NextRun]:
    return [NextRun(job.label, job.needed(), next_run_at(job.id_prefix)) for job in registered()]


def restore_missing() -> list[str]:
    """Schedule every needed job that is missing; returns the labels put back."""
    restored = []
    for job in registered():
        if job.needed() and job.overdue_for_repair(next_run_at(job.id_prefix)):
            job.ensure()
            restored.append(job.label)
            log.warning("scheduled job missing, put back: %s", job.label)
    return restored


def running_workers() -> int:
    """Workers listening on this install's queues (a worker's entry expires when it dies)."""
    names = {queue.name for queue in all_queues()}
    return sum(1 for worker in Worker.all(connection=redis_connection()) if names & set(worker.queue_names()))
