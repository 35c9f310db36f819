"""`python -m cliniko_sandbox --port 5055 --patients 500 --appointments 5000 --seed 42`"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time

from werkzeug.serving import make_server

from cliniko_sandbox.account import clean_account
from cliniko_sandbox.app import DEFAULT_KEY, Sandbox, split_key
from cliniko_sandbox.live import LiveActivity
from cliniko_sandbox.testing import KeepAliveHandler
from cliniko_sandbox.validation import ValidationFailed


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m cliniko_sandbox",
                                     description="A local Cliniko API v1 sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--appointments", type=int, default=5000)
    parser.add_argument("--classes", type=int, default=3,
                        help="weekly class series per business (group appointments)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--api-key", default=DEFAULT_KEY,
                        help="the key it accepts; must end in a shard suffix such as -au1")
    parser.add_argument("--db", default=":memory:",
                        help="SQLite file for the sandbox's own data (default: in memory)")
    parser.add_argument("--keep-db", action="store_true",
                        help="reuse the world already in --db instead of reseeding it (a file "
                             "from an older sandbox version is reseeded)")
    parser.add_argument("--quiet", action="store_true",
                        help="log only refused or failed requests, and live activity as a "
                             "summary once a minute")
    parser.add_argument("--no-rate-limit", action="store_true")
    parser.add_argument("--rate-limit-per-minute", type=int, default=200)
    parser.add_argument("--retry-after", action="store_true",
                        help="also send Retry-After on 429 (Cliniko documents only X-RateLimit-Reset)")
    parser.add_argument("--public-url", help="base for links, e.g. http://sandbox:5055/v1")
    parser.add_argument("--subdomain",
                        help="the account's subdomain in GET /settings (default: from the seed)")
    parser.add_argument("--account-name",
                        help="the account's name in GET /settings (default: from the seed)")
    parser.add_argument("--live", action="store_true", help="keep generating clinic activity")
    parser.add_argument("--live-interval", type=float, default=3.0)
    faults = parser.add_argument_group("faults")
    faults.add_argument("--fault-error-rate", type=float, default=0.0,
                        help="share of requests answered 500/502/503")
    faults.add_argument("--fault-latency", type=float, default=0.0, help="seconds added")
    faults.add_argument("--fault-latency-jitter", type=float, default=0.0)
    faults.add_argument("--fault-429-burst", type=int, default=0, help="next N requests get 429")
    faults.add_argument("--fault-malformed", type=int, default=0, help="next N bodies malformed")
    faults.add_argument("--fault-truncate", type=int, default=0, help="next N bodies truncated")
    faults.add_argument("--fault-drop", type=int, default=0,
                        help="next N connections closed mid-response")
    faults.add_argument("--fault-match", help="only paths containing this")
    faults.add_argument("--fault-seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        split_key(args.api_key)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        clean_account({"subdomain": args.subdomain, "name": args.account_name})
    except ValidationFailed as exc:
        flags = {"subdomain": "--subdomain", "name": "--account-name"}
        parser.error("; ".join(f"{flags[k]} {v}" for k, v in exc.errors.items()))
    return args


def fault_settings(args: argparse.Namespace) -> dict[str, object]:
    return {
        "error_rate": args.fault_error_rate, "latency": args.fault_latency,
        "latency_jitter": args.fault_latency_jitter, "rate_limit_next": args.fault_429_burst,
        "malformed_next": args.fault_malformed, "truncate_next": args.fault_truncate,
        "drop_next": args.fault_drop, "match": args.fault_match, "seed": args.fault_seed,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    sandbox = Sandbox(
        api_key=args.api_key, seed=args.seed, patients=args.patients,
        appointments=args.appointments, classes=args.classes, db=args.db, keep_db=args.keep_db,
        rate_limit=not args.no_rate_limit, rate_limit_per_minute=args.rate_limit_per_minute,
        retry_after_header=args.retry_after, faults=fault_settings(args),
        public_url=args.public_url, subdomain=args.subdomain, account_name=args.account_name)
    server = make_server(args.host, args.port, sandbox, threaded=True,
                         request_handler=ProblemsOnlyHandler if args.quiet else KeepAliveHandler)
    base = args.public_url or f"http://{args.host}:{server.server_port}/v1"
    sandbox.world.base_url = base
    counts = sandbox.world.counts()
    kept = args.keep_db and sandbox.kept_world
    print(f"Cliniko sandbox {'kept the world in ' + args.db + ': ' if kept else 'seeded '}"
          f"{counts['patients']} patients and {counts['appointments']} appointments "
          f"in {time.perf_counter() - started:.1f}s", flush=True)
    print(f"Base URL: {base}", flush=True)
    print(f"API key:  {args.api_key}", flush=True)
    account = sandbox.world.account()
    print(f"Account:  {account['name']} ({account['subdomain']}.{sandbox.shard}.cliniko.com)",
          flush=True)
    print(f"Control:  http://{args.host}:{server.server_port}/_sandbox", flush=True)
    if args.live:
        sandbox.live = LiveActivity(sandbox.world, interval=args.live_interval,
                                    summary_every=60.0 if args.quiet else None)
        sandbox.live.start()
        print(f"Live activity every {args.live_interval:g}s", flush=True)
    signal.signal(signal.SIGTERM, _stop)  # honcho stops its processes with SIGTERM
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if sandbox.live:
            sandbox.live.stop()
        sandbox.store.close()
    return 0


class ProblemsOnlyHandler(KeepAliveHandler):
    """`--quiet`: a line per refused or failed request (401, 429, 500...), none per success."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if isinstance(code, int) and code >= 400:  # HTTPStatus is an int too; "-" is not
            super().log_request(code, size)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the same orderly stop as Ctrl-C: the kept world is closed cleanly


if __name__ == "__main__":
    sys.exit(main())
