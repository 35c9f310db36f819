"""The RQ worker: `python worker.py` (runs due scheduled jobs too).

The app is built before the worker forks, so each job's work horse starts with
configuration loaded and opens its own app context and database session.
"""
from __future__ import annotations

import sys

from redis import Redis
from rq import Worker

from oncord.extensions import db
from oncord.jobs import worker_app
from oncord.messaging import recovery as messaging_recovery
from oncord.queues import all_queues, redis_connection
from oncord.sync import schedule
from oncord.worker_locks import release_dead_scheduler_locks


def main(argv: list[str]) -> int:
    app = worker_app()
    with app.app_context():
        db.engine.dispose()  # no pooled connection may cross the fork
        schedule.ensure_scheduled()  # the periodic sync chain survives restarts
        messaging_recovery.ensure_scheduled()  # so does the stuck-send recovery
        names = [queue.name for queue in all_queues(app)]
        release_dead_scheduler_locks(names, redis_connection(app))
        # The worker blocks on Redis for minutes between jobs: no short socket timeout here.
        worker = Worker(names, connection=Redis.from_url(app.config["REDIS_URL"], health_check_interval=30))
    worker.work(with_scheduler=True, burst="--burst" in argv, logging_level=app.config["LOG_LEVEL"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
