"""Benchmark: pushing 1,000 edited contacts to the sandbox, with Cliniko's rate limit on and off.

    .venv/bin/python bench/push.py [--contacts 1000] [--only off|on]

"on" runs the sandbox with Cliniko's 200 requests a minute and the client with its own
shared budget (so about 5 minutes for 1,000 PATCHes); "off" lifts both limits.
"""
from __future__ import annotations

import argparse
import logging
import time

from sync_harness import SandboxProcess, connected_app

from oncord.contacts.editing import ContactDetails, update_contact
from oncord.extensions import db
from oncord.models import Contact, OutboxEdit, SyncTrigger
from oncord.sync import pull
from oncord.timestamps import utcnow


def edit_all() -> int:
    contacts = db.session.query(Contact).filter(Contact.cliniko_patient_id.is_not(None)).all()
    now = utcnow()
    for n, contact in enumerate(contacts):
        current = {name: getattr(contact, name) for name in ContactDetails.__dataclass_fields__}
        details = ContactDetails(**{**current, "city": f"Benchville {n}", "sms_status": "unsubscribed"})
        update_contact(contact, details, user_id=None, now=now)
    db.session.commit()
    return len(contacts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--only", choices=["off", "on"])
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    for limit in [args.only] if args.only else ["off", "on"]:
        with SandboxProcess(args.contacts, 0, rate_limit=limit == "on") as sandbox:
            options = {} if limit == "on" else None  # "on": the client's real 200/min budget
            with connected_app("sqlite", sandbox, options) as (app, connection):
                pull.run(connection.id)
                edited = edit_all()
                before = sandbox.requests_made()
                started = time.perf_counter()
                run = pull.run(connection.id, SyncTrigger.MANUAL)
                elapsed = time.perf_counter() - started
                pushed = run.counts.get("pushing edits", {}).get("updated", 0)
                print(f"rate limit {limit:3}: {pushed} of {edited} edited contacts pushed in {elapsed:.1f} s = "
                      f"{pushed / elapsed:,.1f} contacts/s; {sandbox.requests_made() - before} requests "
                      f"({run.requests} by the client, 10 of them the pull before the push); "
                      f"left waiting: {db.session.query(OutboxEdit).count()}")


if __name__ == "__main__":
    main()
