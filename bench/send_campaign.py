"""Benchmark: a 10,000-recipient email campaign end to end through real RQ workers and aiosmtpd.

    .venv/bin/python bench/send_campaign.py [--recipients 10000] [--db sqlite|postgresql] [--workers 2] [--batch 50]

What is timed: from "Send now" (the campaign set sending and its first batch queued) until the
campaign is finished: the workers fix the audience (10,000 recipient rows), then send in batch
jobs of `--batch` recipients, each job rendering every recipient's Markdown email with its own
unsubscribe link, claiming the batch in the send ledger, re-checking consent and suppressions,
and sending over one SMTP connection (aiosmtpd, the Sink handler, its own process, no TLS on
loopback), each message committed "sending" before the SMTP transaction and "sent" after.
The floor in the same run: the same number of pre-built messages through `smtplib.sendmail`
over one connection, no database. Batches of one campaign run one after another (a chain of
jobs), so extra workers do not speed up a single campaign; they are there as in production.
Needs Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/4; a queue prefix of its own).
"""
from __future__ import annotations

import argparse
import logging
import os
import secrets
import smtplib
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from flask_migrate import upgrade
from send import bare_smtplib, make_contacts, render, start_server
from sync_harness import scratch_database

from oncord import create_app
from oncord.campaigns import scheduling, sending
from oncord.extensions import db
from oncord.messaging.email_message import build_email
from oncord.messaging.settings import EffectiveSettings
from oncord.models import Campaign, CampaignStatus, Message, MessagingSettings
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
BODY = """Hi {{ contact.first_name | default("there") }},

It has been six months since your last visit to **{{ clinic.name }}**. Regular check-ups keep
small niggles from becoming injuries.

- Book online in under a minute
- Evening appointments on Tuesdays and Thursdays

[Book your check-up](https://harbour.example/book)

See you soon,
The Harbour Physio team
"""


def start_workers(count: int, env: dict) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env={**os.environ, **env},
                             start_new_session=True) for _ in range(count)]


def stop_workers(workers: list[subprocess.Popen]) -> None:
    import signal

    for proc in workers:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=50, help="recipients per batch job")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
    prefix = f"bench-campaign-{secrets.token_hex(3)}"
    server, port = start_server()
    workers: list[subprocess.Popen] = []
    try:
        with scratch_database(args.db) as (url, options):
            smtp_url = f"smtp://127.0.0.1:{port}?security=none"
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options,
                              "REDIS_URL": redis_url, "RQ_QUEUE_PREFIX": prefix, "SMTP_URL": smtp_url,
                              "LOG_LEVEL": "WARNING"})
            search_path = options.get("connect_args", {}).get("options")
            workers = start_workers(args.workers, {
                "DATABASE_URL": f"{url}?options={quote(search_path)}" if search_path else url,
                "REDIS_URL": redis_url, "ONCORD_QUEUE_PREFIX": prefix, "ONCORD_SMTP_URL": smtp_url,
                "ONCORD_CAMPAIGN_BATCH_SIZE": str(args.batch), "LOG_LEVEL": "WARNING"})
            with app.app_context():
                upgrade()
                db.session.add(MessagingSettings(clinic_name="Harbour Physio", from_name="Harbour Physio",
                                                 from_address="hello@harbour.example",
                                                 postal_address="1 Wharf St, Sydney NSW 2000"))
                db.session.commit()
                contacts = make_contacts(args.recipients)
                settings = EffectiveSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                                             from_name="Harbour Physio", from_address="hello@harbour.example",
                                             clinic_name="Harbour Physio")
                payloads = [(d.to, build_email(d, settings).data) for d in render(contacts)]
                db.session.expunge_all()
                with smtplib.SMTP("127.0.0.1", port) as smtp:
                    floor = bare_smtplib(smtp, payloads, settings.from_address)
                campaign = Campaign(name="Six-month check-up", channel="email", subject="Time for your check-up",
                                    preheader="Book online in under a minute", body=BODY, conditions={})
                db.session.add(campaign)
                db.session.commit()
                time.sleep(3)  # the workers are up and idle
                started = time.perf_counter()
                sending.start_now(campaign)
                db.session.commit()
                scheduling.queue_batch(campaign.id)
                while True:
                    db.session.expire_all()
                    status = db.session.get(Campaign, campaign.id).status
                    if status != CampaignStatus.SENDING.value:
                        break
                    time.sleep(0.1)
                elapsed = time.perf_counter() - started
                sent = db.session.scalar(select(func.count()).select_from(Message).where(Message.status == "sent"))
                assert status == CampaignStatus.FINISHED.value, status
                assert sent == args.recipients, sent
                db.session.remove()
                db.engine.dispose()
            stop_workers(workers)
            workers = []
    finally:
        stop_workers(workers)
        server.terminate()
        server.wait(10)
    n = args.recipients
    print(f"{n:,}-recipient email campaign, database {args.db}, {args.workers} RQ workers, batches of {args.batch}, "
          f"aiosmtpd (Sink) on loopback, security none")
    print(f"bare smtplib, one connection:  {n / floor:8,.0f} messages/s  (the floor)")
    print(f"campaign end to end:           {n / elapsed:8,.0f} messages/s  ({elapsed:.1f} s) "
          f"= {floor / elapsed:.2f} of the bare loop")


if __name__ == "__main__":
    main()
