"""One sync at a time per connection, across every worker on every machine.

A Redis lock with a short expiry that the running sync keeps extending: a worker that
dies stops extending it, so the lock frees itself within `lock_ttl()` seconds
(SYNC_LOCK_TTL_SECONDS; keep it below JOB_DEAD_AFTER_SECONDS, so a job found dead has
also let go of the lock).
"""
from __future__ import annotations

from contextlib import contextmanager

from redis.lock import Lock

from oncord.queues import redis_connection

TTL = 90  # the default


def lock_ttl() -> int:
    from flask import current_app

    return int(current_app.config.get("SYNC_LOCK_TTL_SECONDS", TTL))


class SyncAlreadyRunning(Exception):
    pass


def lock_name(connection_id: int) -> str:
    from flask import current_app

    return f"{current_app.config['RQ_QUEUE_PREFIX']}:sync-lock:{connection_id}"


@contextmanager
def sync_lock(connection_id: int):
    lock = Lock(redis_connection(), lock_name(connection_id), timeout=lock_ttl(), blocking=False, thread_local=False)
    if not lock.acquire():
        raise SyncAlreadyRunning(f"a sync of connection {connection_id} is already running")
    try:
        yield lock
    finally:
        try:
            lock.release()
        except Exception:  # expired meanwhile: nothing to release
            pass


def is_locked(connection_id: int) -> bool:
    return bool(redis_connection().exists(lock_name(connection_id)))
