"""Benchmark: Marketing > Messages over 1,000,000 messages, on SQLite and (when it answers) PostgreSQL.

    .venv/bin/python bench/messages_list.py [--messages 1000000] [--runs 9] [--postgres URL | --no-postgres]

Builds the schema with the real migrations (a temporary SQLite file; a temporary PostgreSQL
schema, dropped afterwards), fills `messages` in SQL, and prints the median time of one page
(50 rows, contacts loaded) for typical filters: the newest page, a page deep in the list, by
status, by channel + date range, and by a contact's name.
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
os.environ.setdefault("ONCORD_ENCRYPTION_KEYS", Fernet.generate_key().decode())

from datetime import date  # noqa: E402

from flask_migrate import upgrade  # noqa: E402

from oncord import create_app  # noqa: E402
from oncord.extensions import db  # noqa: E402
from oncord.messaging.listing import MessageFilters, list_messages  # noqa: E402

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
ZONE = ZoneInfo("Australia/Sydney")
CONTACTS = 10_000
# Messages one minute apart, ending near 2026-11-28; every 50th skipped, every 997th uncertain.
FILL = """
INSERT INTO contacts (first_name, last_name, email, email_lower, search_text, email_status, sms_status,
                      created_at, updated_at)
SELECT 'First' || n, 'Last' || n, 'p' || n || '@mail.example', 'p' || n || '@mail.example',
       'first' || n || ' last' || n || ' p' || n || '@mail.example', 'subscribed', 'pending', {now}, {now}
FROM {series_contacts};
INSERT INTO messages (key, channel, kind, contact_id, address, subject, body_text, headers, source, status,
                      created_at, updated_at)
SELECT 'bench:' || n, CASE WHEN n % 3 = 0 THEN 'sms' ELSE 'email' END, 'marketing', 1 + n % {contacts},
       'p' || n || '@mail.example', 'Subject ' || n, 'Body ' || n, '{{}}', CASE WHEN n % 2 = 0 THEN 'campaign' ELSE 'automation' END,
       CASE WHEN n % 997 = 0 THEN 'uncertain' WHEN n % 50 = 0 THEN 'skipped' ELSE 'sent' END,
       {minute_n}, {minute_n}
FROM {series_messages};
"""


def fill(count: int, postgres: bool) -> None:
    if postgres:
        sql = FILL.format(now="now()", series_contacts=f"generate_series(1, {CONTACTS}) AS n",
                          contacts=CONTACTS, series_messages=f"generate_series(1, {count}) AS n",
                          minute_n=f"timestamptz '2026-11-28 00:00+00' - ({count} - n) * interval '1 minute'")
        sql = sql.replace("FROM generate_series(1, 10000) AS n", "FROM generate_series(1, 10000) AS s(n)").replace(
            f"FROM generate_series(1, {count}) AS n", f"FROM generate_series(1, {count}) AS s(n)")
    else:
        series = "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {}) SELECT n FROM s)"
        sql = FILL.format(now="'2026-11-28 00:00:00.000000'", series_contacts=series.format(CONTACTS),
                          contacts=CONTACTS, series_messages=series.format(count),
                          minute_n=f"strftime('%Y-%m-%d %H:%M:%S.000000', '2026-11-28', '-' || ({count} - n) || ' minutes')")
    for statement in filter(str.strip, sql.split(";")):
        db.session.execute(sa.text(statement))
    db.session.commit()
    if postgres:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def median_ms(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        db.session.expire_all()
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench(label: str, url: str, engine_options: dict, count: int, runs: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        fill(count, postgres=url.startswith("postgresql"))
        print(f"\n{label}: {count:,} messages, {CONTACTS:,} contacts (filled in {time.perf_counter() - start:.1f} s)")
        deep = db.session.scalar(sa.text("SELECT id FROM messages ORDER BY created_at, id LIMIT 1 OFFSET 1000"))

        def page(filters=MessageFilters(), before=None):
            rows = list_messages(filters, zone=ZONE, before=before).messages
            [m.contact.name for m in rows if m.contact_id]
            return rows

        cases = [
            ("newest page", lambda: page()),
            ("a page 999,000 rows deep", lambda: page(before=deep)),
            ("status = skipped", lambda: page(MessageFilters(status="skipped"))),
            ("status = uncertain (rare)", lambda: page(MessageFilters(status="uncertain"))),
            ("SMS, one day", lambda: page(MessageFilters(channel="sms", since=date(2026, 11, 1), until=date(2026, 11, 1)))),
            ("contact search 'last4242'", lambda: page(MessageFilters(query="last4242"))),
        ]
        for name, call in cases:
            print(f"  {name:<30} {median_ms(call, runs):8.1f} ms  ({len(call())} rows)")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            bench("SQLite", f"sqlite:///{tmp}/bench.db", {}, args.messages, args.runs)
    if args.no_postgres:
        return
    engine = sa.create_engine(args.postgres)
    schema = f"oncord_bench_{secrets.token_hex(4)}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        bench("PostgreSQL", args.postgres, {"connect_args": {"options": f"-csearch_path={schema}"}}, args.messages, args.runs)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
