"""Freeing the scheduler lock of a worker that died on this machine.

RQ's scheduler lock outlives a killed worker by a minute, and a new worker only retries
for it every two minutes, so scheduled jobs (the two-minute pushes among them) could
wait up to three. A holder on this host whose process is gone cannot come back: its
lock is released at start-up. Holders on other hosts are left to expire as RQ intends.
"""
from __future__ import annotations

import logging
import os
import socket

from redis import Redis
from redis.exceptions import WatchError
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler

log = logging.getLogger(__name__)


def release_dead_scheduler_locks(queue_names: list[str], connection: Redis) -> list[str]:
    released = []
    for name in queue_names:
        key = RQScheduler.get_locking_key(name)
        with connection.pipeline() as pipe:
            try:
                pipe.watch(key)
                holder = pipe.get(key)
                if holder is None or not _dead_here(connection, holder.decode()):
                    continue
                pipe.multi()
                pipe.delete(key)
                pipe.execute()
            except WatchError:  # someone took or refreshed it meanwhile: theirs
                continue
        log.info("released the scheduler lock of dead scheduler %s for %s", holder.decode(), name)
        released.append(name)
    return released


def _dead_here(connection: Redis, scheduler_name: str) -> bool:
    info = {k.decode(): v.decode() for k, v in connection.hgetall(SCHEDULER_KEY_TEMPLATE % scheduler_name).items()}
    if info.get("hostname") != socket.gethostname() or not info.get("pid", "0").isdigit() or info["pid"] == "0":
        return False
    return not _running(int(info["pid"]))


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed scheduler whose parent died may never be reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:  # no /proc here: trust kill()
        return True
