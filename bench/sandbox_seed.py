"""How long the sandbox takes to seed a big clinic (issue #4: under a minute).

    .venv/bin/python bench/sandbox_seed.py [--patients 20000] [--appointments 200000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cliniko_sandbox.people import People  # noqa: E402
from cliniko_sandbox.seed import default_anchor, seed_world  # noqa: E402
from cliniko_sandbox.store import IdMint, Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--appointments", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", default=":memory:")
    args = parser.parse_args()

    started = time.perf_counter()
    store = Store(args.db)
    store.recreate()
    seed_world(store, IdMint(), People(args.seed), patients=args.patients,
               appointments=args.appointments, anchor=default_anchor())
    elapsed = time.perf_counter() - started
    listed = store.scalar("SELECT count(*) FROM patients WHERE deleted_at IS NULL")
    deleted = store.scalar("SELECT count(*) FROM patients WHERE deleted_at IS NOT NULL")
    appointments = store.scalar("SELECT count(*) FROM appointments")
    print(f"seeded {listed} patients (+{deleted} deleted) and {appointments} appointments "
          f"in {elapsed:.2f} s ({args.db})")


if __name__ == "__main__":
    main()
