"""Benchmark: a full first sync of 20,000 patients and 200,000 appointments from the sandbox.

    .venv/bin/python bench/sync_full.py [--patients 20000] [--appointments 200000] [--no-postgres]

Prints records/s on SQLite and PostgreSQL, and the ratio to a plain bulk insert of the
same rows into the same database in the same run (the floor the sync aims to stay near).
The sandbox runs in its own process with its rate limit off (both share the 2 cores).
"""
from __future__ import annotations

import argparse
import logging
import time

from sync_harness import SandboxProcess, connected_app, postgres_available

from oncord.extensions import db
from oncord.models import ActivityEvent, Appointment, Contact
from oncord.sync import pull


def bulk_insert_floor() -> float:
    """Seconds to re-insert the synced contacts, appointments and events with plain executemany."""
    tables = [Contact.__table__, Appointment.__table__, ActivityEvent.__table__]
    rows = {t.name: [dict(r._mapping) for r in db.session.execute(t.select())] for t in tables}
    for table in reversed(tables):
        db.session.execute(table.delete())
    db.session.commit()
    started = time.perf_counter()
    for table in tables:
        batch = rows[table.name]
        for i in range(0, len(batch), 1000):
            db.session.execute(table.insert(), batch[i:i + 1000])
        db.session.commit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--appointments", type=int, default=200_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    kinds = ["sqlite"] + ([] if args.no_postgres or not postgres_available() else ["postgresql"])
    with SandboxProcess(args.patients, args.appointments) as sandbox:
        for kind in kinds:
            with connected_app(kind, sandbox) as (app, connection):
                started = time.perf_counter()
                run = pull.run(connection.id)
                elapsed = time.perf_counter() - started
                contacts, appointments = db.session.query(Contact).count(), db.session.query(Appointment).count()
                records = contacts + appointments
                floor = bulk_insert_floor()
                print(f"{kind:10} full sync: {contacts} contacts + {appointments} appointments in {elapsed:.1f} s "
                      f"= {records / elapsed:,.0f} records/s, {run.requests} requests; "
                      f"plain bulk insert of the same rows {floor:.1f} s; sync/insert = {elapsed / floor:.1f}x")


if __name__ == "__main__":
    main()
