"""Benchmark: the requests an incremental sync makes when nothing changed, at several sizes.

    .venv/bin/python bench/sync_idle.py [--sizes 500,5000,20000]
"""
from __future__ import annotations

import argparse
import logging
import time

from sync_harness import SandboxProcess, connected_app

from oncord.sync import pull


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="500,5000,20000")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    for size in (int(s) for s in args.sizes.split(",")):
        with SandboxProcess(size, size * 10, seed=7) as sandbox:
            with connected_app("sqlite", sandbox) as (app, connection):
                pull.run(connection.id)
                before = sandbox.requests_made()
                started = time.perf_counter()
                idle = pull.run(connection.id)
                elapsed = time.perf_counter() - started
                print(f"{size:>6} patients / {size * 10:>7} appointments: idle incremental sync made "
                      f"{sandbox.requests_made() - before} requests ({idle.requests} counted by the client) "
                      f"in {elapsed * 1000:.0f} ms")


if __name__ == "__main__":
    main()
