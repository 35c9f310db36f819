import subprocess
import sys

from oncord.queues import redis_connection
from oncord.worker_locks import release_dead_scheduler_locks


def _holder(conn, name, pid, hostname=None):
    import socket

    conn.set(f"rq:scheduler-lock:{name}", "sched-1")
    conn.hset("rq:scheduler:sched-1", mapping={"name": "sched-1", "hostname": hostname or socket.gethostname(),
                                                 "pid": str(pid)})


def test_a_dead_local_schedulers_lock_is_released(app, db):
    conn = redis_connection()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    _holder(conn, "oncord-test:default", gone.pid)
    assert release_dead_scheduler_locks(["oncord-test:default"], conn) == ["oncord-test:default"]
    assert conn.get("rq:scheduler-lock:oncord-test:default") is None


def test_live_or_remote_holders_keep_their_lock(app, db):
    import os

    conn = redis_connection()
    _holder(conn, "oncord-test:default", os.getpid())
    assert release_dead_scheduler_locks(["oncord-test:default"], conn) == []
    _holder(conn, "oncord-test:default", 999999, hostname="another-machine")
    assert release_dead_scheduler_locks(["oncord-test:default"], conn) == []
    assert conn.get("rq:scheduler-lock:oncord-test:default") == b"sched-1"
