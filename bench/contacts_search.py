"""Benchmark: contact search over 100,000 contacts, on SQLite and (when it answers) PostgreSQL.

    .venv/bin/python bench/contacts_search.py [--contacts 100000] [--runs 15] [--postgres URL | --no-postgres]

Builds the schema with the real migrations in a temporary SQLite file and, if reachable, a
temporary PostgreSQL schema (dropped afterwards). For each typical query it prints the median
time of `search_contacts` (the capped count, then one page of 50), of the count alone, and of
the whole HTMX request (session, view, template, response) through the test client.
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
os.environ.setdefault("ONCORD_ENCRYPTION_KEYS", Fernet.generate_key().decode())

from faker.providers.person.en_US import Provider as People  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from oncord import accounts, create_app  # noqa: E402
from oncord.config import normalise_database_url  # noqa: E402
from oncord.contacts.search import ContactFilters, count_contacts, search_contacts  # noqa: E402
from oncord.extensions import db  # noqa: E402
from oncord.models import ConsentStatus, Contact, Role, User, contact_search_text  # noqa: E402

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
# (label, filters, query string of the HTMX request)
CASES = [
    ("first page, no search", ContactFilters(), ""),
    ("one common term 'smi'", ContactFilters("smi"), "q=smi"),
    ("two terms 'ja smith'", ContactFilters("ja smith"), "q=ja+smith"),
    ("phone digits '0412 3'", ContactFilters("0412 3"), "q=0412+3"),
    ("email part 'gmail'", ContactFilters("gmail"), "q=gmail"),
    ("rare name (few hits)", None, None),  # filled from the data: a full scan
    ("no match 'zzqx'", ContactFilters("zzqx"), "q=zzqx"),
    ("linked + email subscribed", ContactFilters(linked=True, email_status=ConsentStatus.SUBSCRIBED),
     "linked=yes&email=subscribed"),
    ("'smi' + SMS unsubscribed", ContactFilters("smi", sms_status=ConsentStatus.UNSUBSCRIBED), "q=smi&sms=unsubscribed"),
]


def make_rows(count: int, rng: random.Random) -> list[dict]:
    firsts, lasts = list(People.first_names), list(People.last_names)
    domains = ["gmail.com", "outlook.com", "bigpond.com", "icloud.com", "yahoo.com.au"]
    statuses = [s.value for s in ConsentStatus]
    rows = []
    for n in range(count):
        first, last = rng.choice(firsts), rng.choice(lasts)
        email = f"{first}.{last}{n}@{rng.choice(domains)}".lower() if rng.random() < 0.9 else None
        phone = f"+614{rng.randrange(10**8):08d}" if rng.random() < 0.85 else None
        rows.append({
            "first_name": first, "last_name": last, "email": email, "email_lower": email, "phone": phone,
            "cliniko_patient_id": 1234567890123456789 + n if rng.random() < 0.8 else None,
            "email_status": rng.choice(statuses), "sms_status": rng.choice(statuses),
            "search_text": contact_search_text(first, last, email, phone),
        })
    rows[count // 2].update(first_name="Xanthe", last_name="Quorrell",
                            search_text=contact_search_text("Xanthe", "Quorrell", None, None))
    return rows


def median_ms(call, runs: int) -> float:
    call()  # warm caches and plans
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench(label: str, url: str, engine_options: dict, rows: list[dict], runs: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
                      "RATELIMIT_STORAGE_URI": "memory://", "TESTING": True, "SERVER_NAME": None})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(Contact), rows[start:start + 5000])
        user = User(name="Bench", email="bench@clinic.example", role=Role.STAFF.value, password_hash="x")
        db.session.add(user)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE contacts"))
            db.session.commit()
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(f"\n{label}: {len(rows):,} contacts inserted in {time.perf_counter() - started:.1f}s")
        client = app.test_client()
        session_id = accounts.start_session(user)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
        print(f"{'case':32} {'search':>8} {'count':>8} {'request':>9}  matches")
        for name, filters, query in CASES:
            if filters is None:
                filters, query = ContactFilters("quorrell"), "q=quorrell"
            page_ms = median_ms(lambda: search_contacts(filters), runs)
            count_ms = median_ms(lambda: count_contacts(filters), runs)
            request_ms = median_ms(lambda: client.get(f"/contacts/?{query}", headers={"HX-Request": "true"}), runs)
            db.session.rollback()
            matches = count_contacts(filters)
            print(f"{name:32} {page_ms:7.1f}ms {count_ms:7.1f}ms {request_ms:8.1f}ms  {'1000+' if matches > 1000 else matches}")
        deep = search_contacts(ContactFilters())
        for _ in range(200):  # page 200 of the unfiltered list: keyset stays flat
            deep = search_contacts(ContactFilters(), after=deep.next_after)
        after = deep.next_after
        print(f"{'page 201, no search (keyset)':32} {median_ms(lambda: search_contacts(ContactFilters(), after=after), runs):7.1f}ms")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    rows = make_rows(args.contacts, random.Random(7))

    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.db", {}, rows, args.runs)

    if args.no_postgres:
        return
    url = normalise_database_url(args.postgres)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError:
        print(f"\nPostgreSQL at {args.postgres} does not answer: skipped.")
        return
    schema = f"oncord_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        bench("PostgreSQL", url, {"connect_args": {"options": f"-csearch_path={schema}"}}, rows, args.runs)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
