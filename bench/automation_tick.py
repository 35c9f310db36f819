"""Benchmark: the automations tick over 1,000,000 appointments and 100,000 contacts, on SQLite and
(when it answers) PostgreSQL, when nothing new is due and when 1,000 sends are due.

    .venv/bin/python bench/automation_tick.py [--appointments 1000000] [--contacts 100000] [--runs 7]
                                              [--postgres URL | --no-postgres] [--no-sqlite]

Builds the schema with the real migrations (a temporary SQLite file; a temporary PostgreSQL
schema, dropped afterwards) and fills appointments one every ~63 s from a year ago to a year
ahead, plus 200,000 activity events. Six enabled automations (a 24-hour and a 2-hour reminder,
finished, no return after 180 days, cancelled, did not arrive) in steady state: their watermark
one minute behind. Prints the median tick time, the SQL statements it ran and the rows they
returned (PostgreSQL also: the rows the server read, from pg_stat_user_tables).
Sends go to the outbox channel; the truth check answers from the database (no Cliniko here).
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
os.environ.setdefault("ONCORD_ENCRYPTION_KEYS", Fernet.generate_key().decode())

from flask_migrate import upgrade  # noqa: E402

from oncord import create_app  # noqa: E402
from oncord.automations import tick as automation_tick  # noqa: E402
from oncord.extensions import db  # noqa: E402
from oncord.models import (  # noqa: E402
    Appointment, Automation, AutomationRun, AutomationStep, ClinikoConnection, MessageTemplate,
)

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)  # 12:00 in Sydney: no quiet hours
SPACING_S = 63  # one appointment every 63 s: 1,000,000 span two years
DUE = 1_000


def fill(appointments: int, contacts: int, postgres: bool) -> None:
    start = NOW - timedelta(seconds=SPACING_S * appointments // 2)
    if postgres:
        series = "generate_series(1, {}) AS s(n)"
        at = f"timestamptz '{start.isoformat()}' + n * interval '{SPACING_S} seconds'"
        plus = "({}) + interval '30 minutes'"
        digits = "right('0000000' || n, 7)"
        now, true, false = f"timestamptz '{NOW.isoformat()}'", "true", "false"
    else:
        series = "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {}) SELECT n FROM s)"
        at = f"strftime('%Y-%m-%d %H:%M:%f', '{start:%Y-%m-%d %H:%M:%S}', '+' || (n * {SPACING_S}) || ' seconds')"
        plus = "strftime('%Y-%m-%d %H:%M:%f', {}, '+30 minutes')"
        digits = "substr('0000000' || n, -7, 7)"
        now, true, false = f"'{NOW:%Y-%m-%d %H:%M:%S}.000000'", "1", "0"
    statements = [
        f"""INSERT INTO contacts (first_name, last_name, email, email_lower, phone, search_text, email_status,
                                  sms_status, created_at, updated_at)
            SELECT 'First' || n, 'Last' || n, 'p' || n || '@mail.example', 'p' || n || '@mail.example',
                   '+6141' || {digits}, 'first' || n, 'subscribed', 'subscribed', {now}, {now}
            FROM {series.format(contacts)}""",
        f"""INSERT INTO appointments (id, contact_id, patient_id, appointment_type_id, practitioner_id, business_id,
                                      starts_at, ends_at, patient_arrived, did_not_arrive, cancelled_at)
            SELECT n, 1 + n % {contacts}, n, 1 + n % 4, 1 + n % 5, 1, {at}, {plus.format(at)}, {false},
                   CASE WHEN n % 50 = 0 THEN {true} ELSE {false} END,
                   CASE WHEN n % 20 = 0 THEN {at} END
            FROM {series.format(appointments)}""",
        f"""INSERT INTO activity_events (contact_id, appointment_id, kind, occurred_at, recorded_at, backfill, data)
            SELECT 1 + n % {contacts}, n * 5, CASE WHEN n % 2 = 0 THEN 'appointment_booked'
                                             ELSE 'appointment_cancelled' END,
                   {at.replace('n *', '5 * n *')}, {at.replace('n *', '5 * n *')}, {false}, '{{}}'
            FROM {series.format(appointments // 5)}""",
    ]
    if not postgres:
        statements[2] = statements[2].replace("'+' || (5 * n", "'+' || (5 * n")
    for statement in statements:
        db.session.execute(sa.text(statement))
    db.session.commit()
    if postgres:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def set_up_automations() -> list[Automation]:
    db.session.add(ClinikoConnection(live_since=NOW - timedelta(days=800)))
    sms = MessageTemplate(name="Reminder", channel="sms", kind="factual", body="See you {{ appointment.starts_at }}")
    db.session.add(sms)
    db.session.flush()
    specs = [("upcoming", {"offset_minutes": 1440}), ("upcoming", {"offset_minutes": 120}),
             ("finished", {}), ("no_return", {"no_return_days": 180}), ("cancelled", {}), ("did_not_arrive", {})]
    automations = []
    for trigger, fields in specs:
        automation = Automation(name=trigger, trigger=trigger, enabled=True, enabled_at=NOW - timedelta(days=800),
                                scanned_to=NOW - timedelta(minutes=1), **fields)
        automation.steps.append(AutomationStep(position=0, type="sms", template_id=sms.id, kind="factual"))
        db.session.add(automation)
        automations.append(automation)
    db.session.commit()
    return automations


class DatabaseTruth:
    """Stands in for Cliniko: answers the truth check from the appointments table."""

    def read(self, appointment_id: int):
        row = db.session.get(Appointment, appointment_id)
        return SimpleNamespace(deleted_at=None, archived_at=None, cancelled_at=row.cancelled_at,
                               did_not_arrive=row.did_not_arrive, starts_at=row.starts_at)

    def close(self) -> None:
        pass


class Counter:
    def __init__(self, engine):
        self.statements = self.rows = 0
        sa.event.listen(engine, "after_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements += 1
            self.rows += max(cursor.rowcount, 0) if conn.dialect.name == "postgresql" else 0
        else:
            self.statements += 1

    def reset(self):
        self.statements = self.rows = 0


def table_reads() -> dict:
    if db.engine.dialect.name != "postgresql":
        return {}
    db.session.execute(sa.text("SELECT pg_stat_force_next_flush()"))
    db.session.commit()
    db.session.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
    rows = db.session.execute(sa.text(
        "SELECT relname, coalesce(seq_tup_read, 0), coalesce(idx_tup_fetch, 0), coalesce(seq_scan, 0) "
        "FROM pg_stat_user_tables WHERE schemaname = current_schema()")).all()
    db.session.commit()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def server_rows_read() -> int | None:
    if db.engine.dialect.name != "postgresql":
        return None
    db.session.execute(sa.text("SELECT pg_stat_force_next_flush()"))
    db.session.commit()
    db.session.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
    value = db.session.scalar(sa.text(
        "SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0) FROM pg_stat_user_tables "
        "WHERE schemaname = current_schema()"))  # other schemas (other test runs) share the database
    db.session.commit()
    return int(value)


def measure(label: str, call, counter: Counter, runs: int) -> None:
    times, statements, rows, server = [], [], [], []
    for _ in range(runs):
        db.session.expire_all()
        before = server_rows_read()
        counter.reset()
        start = time.perf_counter()
        report = call()
        times.append((time.perf_counter() - start) * 1000)
        statements.append(counter.statements)
        rows.append(counter.rows)
        after = server_rows_read()
        if before is not None:
            server.append(after - before)
    extra = f", server read {statistics.median(server):,.0f} rows" if server else ""
    returned = f", {statistics.median(rows):,.0f} rows returned" if db.engine.dialect.name == "postgresql" else ""
    print(f"  {label:<34} {statistics.median(times):8.1f} ms (best {min(times):.1f})"
          f"  {statistics.median(statements):6.0f} statements"
          f"{returned}{extra}  (last: {report.started} runs started, {report.advanced} advanced, {report.outcomes})")


def bench(label: str, url: str, engine_options: dict, appointments: int, contacts: int, runs: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
                      "CLINIC_TIMEZONE": "Australia/Sydney"})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        fill(appointments, contacts, postgres=url.startswith("postgresql"))
        print(f"\n{label}: {appointments:,} appointments, {contacts:,} contacts, {appointments // 5:,} events "
              f"(filled in {time.perf_counter() - start:.1f} s)")
        automations = set_up_automations()
        counter = Counter(db.engine)
        truth = DatabaseTruth()
        # The minute's own work first (a few reminders fall due every minute), then the idle ticks.
        automation_tick.tick(NOW, checker=truth)
        measure("nothing new due (steady state)", lambda: automation_tick.tick(NOW, checker=truth), counter, runs)

        finished = next(a for a in automations if a.trigger == "finished")
        window = timedelta(seconds=SPACING_S * DUE * 100 // 93)  # 7% are cancelled or did not arrive
        clock = [NOW]

        def due_tick():
            clock[0] += timedelta(days=1)  # a fresh window, past every lease, still 12:00 in Sydney
            db.session.execute(sa.update(Automation).values(scanned_to=clock[0] - timedelta(minutes=1)))
            db.session.execute(sa.update(Automation).where(Automation.id == finished.id)
                               .values(scanned_to=clock[0] - window))
            db.session.commit()
            return automation_tick.tick(clock[0], checker=truth)

        due_tick()  # once untimed, then ANALYZE, as autovacuum would once the runs table has grown
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE automation_runs; ANALYZE automation_logs; ANALYZE messages"))
            db.session.commit()
        before = table_reads()
        measure(f"{DUE:,} sends due", due_tick, counter, max(3, runs // 2))
        after = table_reads()
        if os.environ.get("BENCH_DEBUG"):
            for name, value in after.items():
                delta = tuple(a - b for a, b in zip(value, before.get(name, (0, 0, 0))))
                if any(delta):
                    print("   ", name, delta)
            print(db.session.execute(sa.text("SELECT stop_reason, count(*) FROM automation_runs GROUP BY 1")).all())
            print(db.session.execute(sa.text("SELECT reason, outcome, count(*) FROM automation_logs GROUP BY 1, 2")).all())
        waiting = db.session.scalar(sa.select(sa.func.count()).select_from(AutomationRun)
                                    .where(AutomationRun.status == "waiting"))
        print(f"  runs still waiting: {waiting}")
        db.session.remove()
        db.engine.dispose()


def parse_args(appointments: int, contacts: int, runs: int):
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=appointments)
    parser.add_argument("--contacts", type=int, default=contacts)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    return parser.parse_args()


def on_each_database(bench_one, args) -> None:
    """`bench_one(label, url, engine_options, appointments, contacts, runs)` on a temporary SQLite
    file, then in a fresh PostgreSQL schema that is dropped afterwards."""
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            bench_one("SQLite", f"sqlite:///{tmp}/bench.db", {}, args.appointments, args.contacts, args.runs)
    if args.no_postgres:
        return
    engine = sa.create_engine(args.postgres)
    schema = f"oncord_bench_{secrets.token_hex(4)}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        bench_one("PostgreSQL", args.postgres, {"connect_args": {"options": f"-csearch_path={schema}"}},
                  args.appointments, args.contacts, args.runs)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def main() -> None:
    on_each_database(bench, parse_args(1_000_000, 100_000, 7))


if __name__ == "__main__":
    main()
