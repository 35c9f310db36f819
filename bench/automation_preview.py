"""Benchmark: the automations editor's live preview for a busy clinic, on SQLite and (when it
answers) PostgreSQL: 200,000 appointments (one every 3 minutes, ~3,360 in a week), 20,000 contacts.

    .venv/bin/python bench/automation_preview.py [--appointments 200000] [--contacts 20000] [--runs 5]
                                                 [--postgres URL | --no-postgres] [--no-sqlite]

Fills the tables as bench/automation_tick.py does (real migrations, a temporary SQLite file and
a temporary PostgreSQL schema), then times `preview.preview()` of a 24-hour SMS reminder tagged
for spacing (the last 7 days and the next 7: every appointment in both weeks is a row) and
`preview.backfill()` of a cancelled-appointment automation over the last 7 days. Prints the
median time, the SQL statements and the rows listed.
"""
from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import automation_tick as tick_bench  # noqa: E402  (the same fill, the same environment)

from flask_migrate import upgrade  # noqa: E402

from oncord import create_app  # noqa: E402
from oncord.automations import preview  # noqa: E402
from oncord.extensions import db  # noqa: E402
from oncord.models import Automation, AutomationStep, ClinikoConnection, MessageTemplate  # noqa: E402

NOW = tick_bench.NOW
SPACING_S = 180  # one appointment every 3 minutes: 3,360 a week


def automations() -> tuple[Automation, Automation]:
    db.session.add(ClinikoConnection(live_since=NOW - timedelta(days=800)))
    sms = MessageTemplate(name="Reminder", channel="sms", kind="factual", body="See you {{ appointment.starts_at }}")
    db.session.add(sms)
    db.session.flush()
    reminder = Automation(name="Day before", trigger="upcoming", offset_minutes=1440, enabled=False,
                          tag="reminders", skip_if_messaged_within_days=2)
    cancelled = Automation(name="Rebook", trigger="cancelled", enabled=False)
    for automation in (reminder, cancelled):
        automation.steps.append(AutomationStep(position=0, type="sms", template_id=sms.id, kind="factual"))
        db.session.add(automation)
    db.session.commit()
    return reminder, cancelled


def measure(label: str, call, runs: int) -> None:
    counter = [0]

    def count(*_args):
        counter[0] += 1

    sa.event.listen(db.engine, "after_cursor_execute", count)
    times, statements = [], []
    try:
        for _ in range(runs):
            db.session.expire_all()
            counter[0] = 0
            start = time.perf_counter()
            result = call()
            times.append((time.perf_counter() - start) * 1000)
            statements.append(counter[0])
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", count)
    print(f"  {label:<28} {statistics.median(times):8.1f} ms (best {min(times):.1f})"
          f"  {statistics.median(statements):6.0f} statements  {result}")


def bench(label: str, url: str, engine_options: dict, appointments: int, contacts: int, runs: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
                      "CLINIC_TIMEZONE": "Australia/Sydney"})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        tick_bench.SPACING_S = SPACING_S
        tick_bench.fill(appointments, contacts, postgres=url.startswith("postgresql"))
        print(f"\n{label}: {appointments:,} appointments, {contacts:,} contacts "
              f"(filled in {time.perf_counter() - start:.1f} s)")
        reminder, cancelled = automations()

        def run_preview():
            past, upcoming = preview.preview(reminder, NOW)
            return f"{len(past):,} + {len(upcoming):,} rows ({past.total:,} + {upcoming.total:,} in all)" \
                if hasattr(past, "total") else f"{len(past):,} + {len(upcoming):,} rows"

        def run_backfill():
            return f"{len(preview.backfill(cancelled, NOW - timedelta(days=7), NOW)):,} rows"

        measure("preview (24-hour reminder)", run_preview, runs)
        measure("backfill (cancelled, 7 days)", run_backfill, runs)
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    tick_bench.on_each_database(bench, tick_bench.parse_args(200_000, 20_000, 5))


if __name__ == "__main__":
    main()
