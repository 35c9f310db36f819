"""Benchmark: the requests an incremental sync makes when nothing changed, at several sizes,
in an account with classes (the sandbox's default: 3 weekly class series per business).

    .venv/bin/python bench/sync_idle.py [--sizes 500,5000,20000] [--classes 3]
"""
from __future__ import annotations

import argparse
import logging
import time

from sync_harness import SandboxProcess, connected_app

from oncord.models import Appointment, GroupAppointment
from oncord.sync import pull


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="500,5000,20000")
    parser.add_argument("--classes", type=int, default=3, help="weekly class series per business")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    for size in (int(s) for s in args.sizes.split(",")):
        with SandboxProcess(size, size * 10, seed=7, classes=args.classes) as sandbox:
            with connected_app("sqlite", sandbox) as (app, connection):
                pull.run(connection.id)
                seats = Appointment.query.filter_by(kind="group").count()
                classes = GroupAppointment.query.count()
                sandbox.clear_requests()
                started = time.perf_counter()
                idle = pull.run(connection.id)
                elapsed = time.perf_counter() - started
                made = sandbox.request_log()
                print(f"{size:>6} patients / {size * 10:>7} appointments / {classes} classes with {seats} "
                      f"attendances: idle incremental sync made {made['total']} requests ({idle.requests} "
                      f"counted by the client) in {elapsed * 1000:.0f} ms")
                for endpoint, count in sorted(made["by_endpoint"].items()):
                    print(f"        {count} x {endpoint}")


if __name__ == "__main__":
    main()
