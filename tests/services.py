"""Real Redis and a real database for the suite, found or started on loopback.

Redis: the one at REDIS_URL when it answers (the suite uses its own db number there),
otherwise a `redis-server` started on a free port for this run. Database: SQLite in a
temporary folder, or PostgreSQL when TEST_DATABASE_URL is set (a fresh schema per run).
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

from scripts.run import redis_answers  # the same check `make run` makes

TEST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "13"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def test_redis():
    """Yield a Redis URL for this run; start and stop a private server if needed."""
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if redis_answers(base):
        parts = urlsplit(base)
        yield urlunsplit((parts.scheme, parts.netloc, f"/{TEST_REDIS_DB}", "", ""))
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(f"No Redis answers at {base} and redis-server is not installed: run `make test`, which installs it.")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while not redis_answers(url):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def test_database(tmp_dir):
    """Yield (SQLAlchemy URL, engine options) for a database nobody else uses."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_dir / 'oncord-test.db'}", {}
        return
    from oncord.config import normalise_database_url

    url = normalise_database_url(url)
    schema = f"oncord_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url, {"connect_args": {"options": f"-csearch_path={schema}"}, "pool_pre_ping": True}
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def process_tree(pid: int) -> list[int]:
    """Every descendant of `pid`, read from /proc: RQ runs each job in a work horse with a
    process group of its own, so killing a worker's group leaves a busy horse running."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_worker_tree(proc: subprocess.Popen) -> None:
    """SIGKILL a `worker.py` process, its scheduler and any work horse at once, as when the
    machine dies. The tree is read first: orphans are re-parented and could not be found after."""
    import signal

    tree = process_tree(proc.pid)
    for kill in (lambda: os.killpg(proc.pid, signal.SIGKILL), *(lambda p=p: os.kill(p, signal.SIGKILL) for p in tree)):
        try:
            kill()
        except ProcessLookupError:
            pass
    proc.wait(timeout=10)
