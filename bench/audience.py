"""Benchmark: the campaign audience count and the fixed audience, 100,000 contacts and
1,000,000 appointments, on SQLite or PostgreSQL.

    .venv/bin/python bench/audience.py --db sqlite|postgresql [--contacts 100000]
                                       [--appointments 1000000] [--runs 5] [--postgres URL]

Builds the schema with the real migrations in a scratch SQLite file or PostgreSQL schema
(dropped afterwards), fills it in SQL (INSERT ... SELECT over a number series: seconds, not
minutes), then times `audience.count()` (median of --runs) and `audience.materialise()` for
typical condition sets. The first SMS count works out every number once (address_checks);
it is reported on its own line, the medians are the steady state.
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
os.environ.setdefault("ONCORD_ENCRYPTION_KEYS", Fernet.generate_key().decode())

from flask_migrate import upgrade  # noqa: E402

from oncord import create_app  # noqa: E402
from oncord.campaigns import audience  # noqa: E402
from oncord.campaigns.audience import PRESETS, Conditions, DateRange  # noqa: E402
from oncord.extensions import db  # noqa: E402
from sync_harness import scratch_database  # noqa: E402

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)  # noon in Sydney
PAST_DAYS, FUTURE_DAYS = 900, 60
NEW = 1000  # contacts whose only appointments are recent

CASES = [
    ("Dr #3, Initial consultation, attended, last 30 days", "email",
     Conditions(practitioner_ids=(3,), appointment_type_ids=(1,), statuses=("attended",),
                appointment_date=DateRange(last_days=30))),
    ("Lapsed 6 months (preset)", "email", PRESETS["lapsed_6_months"][1]),
    ("No upcoming appointment (preset)", "sms", PRESETS["no_upcoming"][1]),
    ("New patients this month (preset)", "email", PRESETS["new_this_month"][1]),
    ("Location #2, next 7 days, linked", "sms",
     Conditions(business_ids=(2,), appointment_date=DateRange(next_days=7), linked="linked")),
    ("Did not arrive last month (preset)", "sms", PRESETS["did_not_arrive_last_month"][1]),
]


def fill(contacts: int, appointments: int, postgres: bool) -> None:
    """Contacts with mixed consent, sources, addresses and states; appointments scattered over
    900 days back and 60 ahead, ~10 per contact, some cancelled, did-not-arrive or archived."""
    span = (PAST_DAYS + FUTURE_DAYS) * 86400
    first = NOW - timedelta(days=PAST_DAYS)
    if postgres:
        series = "generate_series(1::bigint, {}) AS s(n)"
        at = f"timestamptz '{first.isoformat()}' + ((n * 7919) % {span}) * interval '1 second'"
        before = "({}) - (n % 30) * interval '1 day'"
        plus = "({}) + interval '30 minutes'"
        now, true, false = f"timestamptz '{NOW.isoformat()}'", "true", "false"
        recent = f"timestamptz '{NOW.isoformat()}' - (n * 1553 % 3456000) * interval '1 second'"
    else:
        series = "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {}) SELECT n FROM s)"
        at = f"strftime('%Y-%m-%d %H:%M:%f', '{first:%Y-%m-%d %H:%M:%S}', '+' || ((n * 7919) % {span}) || ' seconds')"
        before = "strftime('%Y-%m-%d %H:%M:%f', {}, '-' || (n % 30) || ' days')"
        plus = "strftime('%Y-%m-%d %H:%M:%f', {}, '+30 minutes')"
        now, true, false = f"'{NOW:%Y-%m-%d %H:%M:%S}.000000'", "1", "0"
        recent = f"strftime('%Y-%m-%d %H:%M:%f', '{NOW:%Y-%m-%d %H:%M:%S}', '-' || (n * 1553 % 3456000) || ' seconds')"
    statements = [
        f"""INSERT INTO contacts (first_name, last_name, email, email_lower, phone, search_text, email_status,
                                  sms_status, email_consent_source, sms_consent_source, cliniko_patient_id,
                                  cliniko_archived_at, created_at, updated_at)
            SELECT 'First' || n, 'Last' || n,
                   CASE WHEN n % 25 = 0 THEN NULL ELSE 'p' || n || '@mail.example' END,
                   CASE WHEN n % 25 = 0 THEN NULL ELSE 'p' || n || '@mail.example' END,
                   CASE WHEN n % 10 = 9 THEN '+612' || (90000000 + n) ELSE '+614' || (10000000 + n) END,
                   'first' || n,
                   CASE WHEN n % 10 < 7 THEN 'subscribed' ELSE 'pending' END,
                   CASE WHEN n % 10 < 6 THEN 'subscribed' WHEN n % 10 = 6 THEN 'unsubscribed' ELSE 'pending' END,
                   CASE WHEN n % 3 = 0 THEN 'staff' ELSE 'cliniko_pull' END,
                   CASE WHEN n % 4 = 0 THEN 'contact_created' ELSE 'cliniko_pull' END,
                   CASE WHEN n % 10 = 5 THEN NULL ELSE 1000000 + n END,
                   CASE WHEN n % 100 = 0 THEN {now} END, {now}, {now}
            FROM {series.format(contacts)}""",
        f"""INSERT INTO appointments (id, contact_id, patient_id, appointment_type_id, practitioner_id, business_id,
                                      starts_at, ends_at, cliniko_created_at, patient_arrived, did_not_arrive,
                                      cancelled_at, archived_at)
            SELECT n, 1 + ((n * 2654435761) % 4294967296) / 7 % {contacts - NEW}, NULL, 1 + n % 8, 1 + (n / 8) % 12, 1 + (n / 96) % 3,
                   {at}, {plus.format(at)}, {before.format(at)},
                   CASE WHEN n % 12 <> 0 AND n % 40 <> 0 THEN {true} ELSE {false} END,
                   CASE WHEN n % 40 = 0 THEN {true} ELSE {false} END,
                   CASE WHEN n % 12 = 0 THEN {before.format(at)} END,
                   CASE WHEN n % 500 = 0 THEN {now} END
            FROM {series.format(appointments - NEW * 2)}""",
        # The newest NEW contacts are new patients: two appointments each, both in the last 40 days.
        f"""INSERT INTO appointments (id, contact_id, patient_id, appointment_type_id, practitioner_id, business_id,
                                      starts_at, ends_at, cliniko_created_at, patient_arrived, did_not_arrive)
            SELECT {appointments} + n, {contacts - NEW} + 1 + n % {NEW}, NULL, 1, 1 + n % 12, 1 + n % 3,
                   {recent}, {plus.format(recent)}, {before.format(recent)}, {true}, {false}
            FROM {series.format(NEW * 2)}""",
    ]
    for statement in statements:
        db.session.execute(sa.text(statement))
    db.session.commit()
    if postgres:  # what autovacuum does on a live database: statistics, and the visibility map index-only scans need
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE contacts"))
            conn.execute(sa.text("VACUUM ANALYZE appointments"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def timed(call, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        db.session.expire_all()
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
        db.session.commit()  # what the view does: keeps any newly worked-out address
    return statistics.median(times), result


def bench(kind: str, contacts: int, appointments: int, runs: int) -> None:
    with scratch_database(kind) as (url, options):
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options,
                          "CLINIC_TIMEZONE": "Australia/Sydney"})
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            fill(contacts, appointments, kind == "postgresql")
            print(f"{kind}: {contacts:,} contacts, {appointments:,} appointments "
                  f"(filled in {time.perf_counter() - start:.1f} s; load average {os.getloadavg()[0]:.1f} "
                  f"on {os.cpu_count()} CPUs)")
            start = time.perf_counter()
            first = audience.count(Conditions(), "sms", now=NOW)
            db.session.commit()
            print(f"  first SMS count, every number checked once: {(time.perf_counter() - start) * 1000:8.0f} ms "
                  f"({first.included:,} included)")
            print(f"  {'conditions':<52} {'channel':<7} {'count':>9} {'materialise':>12} {'included':>9}")
            for label, channel, conditions in CASES:
                count_ms, found = timed(lambda: audience.count(conditions, channel, now=NOW), runs)
                fix_ms, ids = timed(lambda: audience.materialise(conditions, channel, now=NOW), max(1, runs // 2))
                assert len(ids) == found.included, (label, len(ids), found.included)
                print(f"  {label:<52} {channel:<7} {count_ms:6.1f} ms {fix_ms:9.1f} ms {found.included:>9,}")
            print(f"  (load average at the end: {os.getloadavg()[0]:.1f})")
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", help="PostgreSQL URL (default: $BENCH_POSTGRES_URL or the local test database)")
    args = parser.parse_args()
    if args.postgres:
        os.environ["BENCH_POSTGRES_URL"] = args.postgres
    bench(args.db, args.contacts, args.appointments, args.runs)


if __name__ == "__main__":
    main()
