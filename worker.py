"""The RQ worker: `python worker.py` (runs due scheduled jobs too).

The app is built before the worker forks, so each job's work horse starts with
configuration loaded and opens its own app context and database session.
"""
from __future__ import annotations

import sys
import time

from flask import Flask
from redis import Redis
from rq import Worker, worker_registration
from rq.exceptions import StopRequested

from oncord import scheduled_jobs
from oncord.extensions import db
from oncord.jobs import worker_app
from oncord.queues import all_queues, redis_connection
from oncord.worker_locks import release_dead_scheduler_locks


class ScheduleKeepingWorker(Worker):
    """A worker that, between jobs, puts back any scheduled job oncord needs that has gone.

    RQ runs maintenance before each wait for a job; the wait is shortened so an idle
    worker checks every `schedule_check_seconds`.
    """

    def __init__(self, *args, app: Flask, schedule_check_seconds: int, **kwargs):
        self.app = app
        self.schedule_check_seconds = schedule_check_seconds  # before RQ's __init__ reads dequeue_timeout
        self.schedule_checked_at = float("-inf")
        super().__init__(*args, **kwargs)

    @property
    def dequeue_timeout(self) -> int:
        return max(1, min(super().dequeue_timeout, self.schedule_check_seconds))

    @property
    def schedule_check_due(self) -> bool:
        return time.monotonic() - self.schedule_checked_at >= self.schedule_check_seconds

    @property
    def should_run_maintenance_tasks(self) -> bool:
        return super().should_run_maintenance_tasks or self.schedule_check_due

    def run_maintenance_tasks(self) -> None:
        if super().should_run_maintenance_tasks:
            super().run_maintenance_tasks()
        if self.schedule_check_due:
            self.schedule_checked_at = time.monotonic()
            self.keep_schedule()
        if self._stop_requested:  # RQ's idle wait loop never looks at this flag itself
            raise StopRequested()

    def request_stop(self, signum, frame):
        """Also flag the stop: the StopRequested raised by RQ's handler may land in code that swallows it."""
        self._stop_requested = True
        super().request_stop(signum, frame)

    def keep_schedule(self) -> None:
        """Idempotent with any number of workers: scheduled jobs have fixed or time-slot ids."""
        self.register_again_if_forgotten()
        try:
            with self.app.app_context():
                scheduled_jobs.restore_missing()
                db.session.remove()
                db.engine.dispose()  # no pooled connection may cross the fork into a work horse
        except StopRequested:  # SIGTERM arrived meanwhile: RQ's signal handler raised it here
            raise
        except Exception:  # a check that fails now runs again next time; the worker goes on
            self.log.warning("could not check the schedule", exc_info=True)

    def register_again_if_forgotten(self) -> None:
        """Redis restarted empty: list this worker again, so Settings knows one is running."""
        if not self.connection.sismember(worker_registration.REDIS_WORKER_KEYS, self.key):
            self.connection.delete(self.key)
            self.register_birth()


def main(argv: list[str]) -> int:
    app = worker_app()
    with app.app_context():
        db.engine.dispose()  # no pooled connection may cross the fork
        names = [queue.name for queue in all_queues(app)]
        release_dead_scheduler_locks(names, redis_connection(app))
        # The worker blocks on Redis for minutes between jobs: no short socket timeout here.
        worker = ScheduleKeepingWorker(
            names, connection=Redis.from_url(app.config["REDIS_URL"], health_check_interval=30), app=app,
            schedule_check_seconds=app.config["SCHEDULE_CHECK_SECONDS"])
    # The first maintenance, before the first job, restores the schedule (at start-up, as before).
    worker.work(with_scheduler=True, burst="--burst" in argv, logging_level=app.config["LOG_LEVEL"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
