"""Benchmark: a first sync through a real `python worker.py`, at Cliniko's real rate limit.

    redis-server --port 6391 --save '' --appendonly no &   # a Redis of its own
    BENCH_REDIS_URL=redis://127.0.0.1:6391/0 .venv/bin/python bench/sync_worker.py \
        [--patients 5000] [--appointments 50000] [--postgres]

BENCH_REDIS_URL must be a Redis nothing else uses: it is emptied first (jobs left by an
earlier run under the same ONCORD_QUEUE_PREFIX would absorb new ones),
and the machine's shared Redis databases are other people's tests.

The sandbox runs in its own process with its 200 requests/minute limit on; the worker runs
with the default slice and job timeout (SYNC_SLICE_SECONDS, SYNC_JOB_TIMEOUT_SECONDS) unless
they are set in the environment. The first full pull is left to the worker's scheduled tick,
as on a new install. Prints the duration, the requests, the slices (worker jobs) and any job
RQ failed or timed out.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from sync_harness import SandboxProcess, connected_app

from oncord.extensions import db
from oncord.models import Appointment, Contact, SyncRun
from oncord.queues import get_queue

ROOT = Path(__file__).resolve().parent.parent


def start_worker(app) -> subprocess.Popen:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {}).get("options")
    env = {**os.environ, "REDIS_URL": app.config["REDIS_URL"], "ONCORD_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
           "DATABASE_URL": f"{url}?options={quote(options)}" if options else url, "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=5_000)
    parser.add_argument("--appointments", type=int, default=50_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if "BENCH_REDIS_URL" not in os.environ:
        parser.error("set BENCH_REDIS_URL to a Redis nothing else uses (it is emptied)")
    logging.disable(logging.WARNING)
    with SandboxProcess(args.patients, args.appointments, rate_limit=True) as sandbox:
        # The client's own budget as in production: 200 requests a minute.
        with connected_app("postgresql" if args.postgres else "sqlite", sandbox, client_options={}) as (app, connection):
            from oncord.queues import redis_connection

            redis_connection().flushdb()  # BENCH_REDIS_URL: this benchmark's own Redis
            before = sandbox.requests_made()
            started = time.monotonic()
            worker = start_worker(app)
            try:
                while True:
                    time.sleep(2)
                    db.session.expire_all()
                    db.session.rollback()
                    if db.session.merge(connection).last_full_sync_at is not None:
                        break
                    run = db.session.query(SyncRun).order_by(SyncRun.id.desc()).first()
                    if run is not None:
                        print(f"  {time.monotonic() - started:6.0f} s  {run.phase} {run.done}/{run.total} "
                              f"slice {run.slices}", flush=True)
            finally:
                elapsed = time.monotonic() - started
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=60)
            runs = db.session.query(SyncRun).filter_by(full=True).all()
            failed_jobs = get_queue().failed_job_registry.count
            print(f"first sync through the worker: {db.session.query(Contact).count()} contacts + "
                  f"{db.session.query(Appointment).count()} appointments in {elapsed:.0f} s "
                  f"({elapsed / 60:.1f} min) including worker start-up and the first tick; "
                  f"{sandbox.requests_made() - before} requests to the sandbox; full runs: "
                  + ", ".join(f"#{r.id} {r.status} in {(r.finished_at - r.started_at).total_seconds():.0f} s, "
                              f"{r.slices} slices, {r.requests} requests" for r in runs)
                  + f"; failed or timed-out jobs: {failed_jobs}")


if __name__ == "__main__":
    main()
