"""Benchmark: a full patient listing through ClinikoClient against the local sandbox.

    .venv/bin/python bench/cliniko_client.py [--patients 20000] [--runs 3]

Prints records/s and where the wall time went: the sandbox's request handlers
(timed inside the server), the HTTP round trip around them (requests/urllib3 on our
side, werkzeug on theirs, loopback sockets), and the client's own work (JSON decoding,
building records, paging). The sandbox runs in-process, so both share one GIL.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cliniko_sandbox.testing import SandboxServer  # noqa: E402
from oncord.cliniko import ClinikoClient, LocalRateBudget, user_agent  # noqa: E402

API_KEY = "bench00000000000000000000000000000-au1"


class TimedSession(requests.Session):
    """Adds up the time spent inside HTTP round trips."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0

    def request(self, *args, **kwargs):  # type: ignore[override]
        started = time.perf_counter()
        try:
            return super().request(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def time_handlers(server: SandboxServer) -> list[float]:
    """Wrap the sandbox's /v1 entry point to add up its handler time."""
    spent = [0.0]
    sandbox = server.sandbox
    inner = sandbox._v1

    def timed(request, environ, start_response):
        started = time.perf_counter()
        try:
            return inner(request, environ, start_response)
        finally:
            spent[0] += time.perf_counter() - started

    sandbox._v1 = timed
    return spent


def run_once(server: SandboxServer, handler_time: list[float]) -> dict[str, float]:
    session = TimedSession()
    client = ClinikoClient(
        server.api_key, user_agent("oncord bench", "bench@oncord.example"), server.base_url,
        rate_budget=LocalRateBudget(limit=10**9, period=1),  # the sandbox's limit is off too
        session=session,
    )
    handler_time[0] = 0.0
    server.requests.reset()
    started = time.perf_counter()
    listing = client.patients(include_archived=True)
    count = sum(1 for _ in listing)
    wall = time.perf_counter() - started
    client.close()
    return {
        "records": count, "requests": server.requests.count(), "wall": wall,
        "server": handler_time[0], "http": session.seconds - handler_time[0],
        "client": wall - session.seconds, "skipped": len(listing.skipped),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    t0 = time.perf_counter()
    with SandboxServer(api_key=API_KEY, patients=args.patients, seed=args.seed, rate_limit=False) as server:
        print(f"sandbox seeded with {args.patients} patients in {time.perf_counter() - t0:.1f}s")
        handler_time = time_handlers(server)
        results = []
        for n in range(1, args.runs + 1):
            r = run_once(server, handler_time)
            results.append(r)
            print(f"run {n}: {r['records']} records, {r['requests']} requests, {r['wall']:.2f}s wall, "
                  f"{r['records'] / r['wall']:,.0f} records/s; "
                  f"sandbox {r['server'] / r['wall']:.0%}, http {r['http'] / r['wall']:.0%}, "
                  f"client {r['client'] / r['wall']:.0%}")
    best = max(results, key=lambda r: r["records"] / r["wall"])
    rates = [r["records"] / r["wall"] for r in results]
    print(f"\nmedian {statistics.median(rates):,.0f} records/s (best {max(rates):,.0f}) "
          f"over {args.runs} full listings of {best['records']} patients at per_page=100")
    print(f"time share (best run): sandbox handlers {best['server'] / best['wall']:.0%}, "
          f"HTTP round trip around them {best['http'] / best['wall']:.0%}, "
          f"client decode+parse+paging {best['client'] / best['wall']:.0%}")


if __name__ == "__main__":
    main()
