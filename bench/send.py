"""Benchmark: 10,000 rendered marketing emails through oncord's send path vs a bare smtplib loop.

    .venv/bin/python bench/send.py [--messages 10000] [--db sqlite|postgresql] [--per-commit 1]
    .venv/bin/python bench/send.py --campaign [--recipients 10000] [--db ...]   (bench/send_campaign.py)

An aiosmtpd server (the Sink handler, its own process) listens on loopback. Every message is
rendered first (Markdown through markdown-it-py, a per-contact greeting), then sent:
1. oncord: `deliver()` per message over one open `SmtpChannel`, in slices of contacts (claim, eligibility check,
   start_sending, SMTP transaction, mark_sent: each state committed before the next step);
1b. oncord: `deliver_batch()` per slice over the same kind of channel (the slice's claims in one
   commit, eligibility for the slice with one suppression query, then per message: "sending"
   committed, together with the previous one's "sent", straight on the database driver once
   MAIL FROM is written, while the server reads it; DATA only after that commit);
1c. the ledger alone: `deliver_batch()` over a channel that `sendmail`s the floor's pre-built
   bytes (no rendering of headers, no unsubscribe link): what the never-twice rule itself costs;
2. the floor: the same messages, pre-built as bytes, through `smtplib.SMTP.sendmail` over
   one connection, with no database at all;
3. outbox mode: `deliver()` with no SMTP host (recorded, nothing sent).
"""
from __future__ import annotations

import argparse
import logging
import smtplib
import socket
import subprocess
import sys
import time
from email.headerregistry import Address

from markdown_it import MarkdownIt
from sync_harness import scratch_database

from flask_migrate import upgrade

from sqlalchemy import select

from oncord import create_app
from oncord.extensions import db
from oncord.messaging.channels.outbox import OutboxChannel
from oncord.messaging.channels.smtp import SmtpChannel
from oncord.messaging.deliver import deliver, deliver_batch
from oncord.messaging.drafts import EmailDraft, Receipt
from oncord.messaging.email_message import build_email
from oncord.messaging.settings import EffectiveSettings
from oncord.models import ConsentStatus, Contact, MessagingSettings

BODY = """Hi {name},

It has been six months since your last visit to **Harbour Physio**. Regular check-ups keep
small niggles from becoming injuries.

- Book online in under a minute
- Evening appointments on Tuesdays and Thursdays

[Book your check-up](https://harbour.example/book)

See you soon,
The Harbour Physio team
"""


PER_COMMIT = 1


def start_server() -> tuple[subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("aiosmtpd did not start")


def make_contacts(count: int) -> list[Contact]:
    contacts = [Contact(first_name=f"Pat{n}", last_name="Lee", email=f"pat{n}@mail.example",
                        email_status=ConsentStatus.SUBSCRIBED.value) for n in range(count)]
    db.session.add_all(contacts)
    db.session.commit()
    return contacts


def render(contacts: list[Contact]) -> list[EmailDraft]:
    markdown = MarkdownIt("commonmark", {"html": False})
    return [EmailDraft(to=c.email, subject="Time for your check-up", text=BODY.format(name=c.first_name),
                       html=markdown.render(BODY.format(name=c.first_name)),
                       headers={"List-Unsubscribe": f"<https://harbour.example/u/{c.id}>",
                                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
            for c in contacts]


def through_oncord(prefix: str, ids: list[int], drafts: dict[int, EmailDraft], channel) -> float:
    """One slice, as a campaign job would send it: its contacts loaded, sent, then let go (every
    commit expires what the session holds, so a session kept growing makes each commit slower)."""
    started = time.perf_counter()
    for contact in db.session.scalars(select(Contact).where(Contact.id.in_(ids)).order_by(Contact.id)):
        message = deliver(f"{prefix}:{contact.id}", contact, drafts[contact.id], kind="marketing",
                          source="campaign", channel=channel)
        assert message is not None and message.status == "sent", message and message.reason
    db.session.expunge_all()
    return time.perf_counter() - started


def through_batch(prefix: str, ids: list[int], drafts: dict[int, EmailDraft], channel) -> float:
    """One slice through `deliver_batch`: claims in one commit, one commit per message after that."""
    started = time.perf_counter()
    contacts = db.session.scalars(select(Contact).where(Contact.id.in_(ids)).order_by(Contact.id))
    outcomes = deliver_batch([(f"{prefix}:{c.id}", c, drafts[c.id]) for c in contacts], kind="marketing",
                             source="campaign", channel=channel, per_commit=PER_COMMIT)
    assert all(o.status == "sent" for o in outcomes), outcomes
    db.session.expunge_all()
    return time.perf_counter() - started


class PrebuiltSmtp:
    """A channel that sends the floor's pre-built bytes with `sendmail`: `deliver_batch` through it
    costs the ledger's work (claims, eligibility, one commit per message) and nothing else."""
    name = "smtp"

    def __init__(self, smtp: smtplib.SMTP, payloads: dict[str, bytes], sender: str):
        self.smtp, self.payloads, self.sender = smtp, payloads, sender

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def send(self, draft):
        self.smtp.sendmail(self.sender, [draft.to], self.payloads[draft.to])
        return Receipt(provider_id="<bench>", answer="250 OK")


def ledger_only(ids: list[int], drafts: dict[int, EmailDraft], channel: PrebuiltSmtp) -> float:
    """The ledger's floor: `deliver_batch` (factual, so no unsubscribe link is made) over pre-built bytes."""
    started = time.perf_counter()
    contacts = db.session.scalars(select(Contact).where(Contact.id.in_(ids)).order_by(Contact.id))
    outcomes = deliver_batch([(f"bench-ledger:{c.id}", c, drafts[c.id]) for c in contacts], kind="factual",
                             source="campaign", channel=channel, per_commit=PER_COMMIT)
    assert all(o.status == "sent" for o in outcomes), outcomes
    db.session.expunge_all()
    return time.perf_counter() - started


def bare_smtplib(smtp: smtplib.SMTP, payloads: list[tuple[str, bytes]], sender: str) -> float:
    started = time.perf_counter()
    for to, payload in payloads:
        smtp.sendmail(sender, [to], payload)
    return time.perf_counter() - started


def main() -> None:
    if "--campaign" in sys.argv:  # the campaign end to end through RQ workers: bench/send_campaign.py
        sys.argv.remove("--campaign")
        import send_campaign
        return send_campaign.main()
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--slice", type=int, default=50, help="contacts loaded and sent per slice")
    parser.add_argument("--per-commit", type=int, default=1,
                        help="deliver_batch's per_commit: messages marked sending per commit")
    args = parser.parse_args()
    global PER_COMMIT
    PER_COMMIT = args.per_commit
    logging.disable(logging.WARNING)
    server, port = start_server()
    try:
        with scratch_database(args.db) as (url, options):
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options,
                              "LOG_LEVEL": "WARNING"})
            with app.app_context():
                upgrade()
                # Marketing email waits for the sender identity (Spam Act), as in a real clinic's settings.
                db.session.add(MessagingSettings(clinic_name="Harbour Physio",
                                                 postal_address="1 Wharf St, Sydney NSW 2000"))
                db.session.commit()
                settings = EffectiveSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                                             from_name="Harbour Physio", from_address="hello@harbour.example",
                                             clinic_name="Harbour Physio")
                contacts = make_contacts(args.messages)
                started = time.perf_counter()
                drafts = dict(zip([c.id for c in contacts], render(contacts)))
                rendering = time.perf_counter() - started
                payloads = {i: (d.to, build_email(d, settings).data) for i, d in drafts.items()}
                ids = sorted(drafts)
                db.session.expunge_all()
                # Interleaved slices, so the shared machine's load falls on all three alike.
                floor = oncord = batch = ledger = outbox = outbox_batch = 0.0
                with smtplib.SMTP("127.0.0.1", port) as smtp, SmtpChannel(settings) as channel, \
                        OutboxChannel(EffectiveSettings()) as recorder, smtplib.SMTP("127.0.0.1", port) as raw:
                    prebuilt = PrebuiltSmtp(raw, dict(payloads.values()), settings.from_address)
                    for start in range(0, len(ids), args.slice):
                        part = ids[start:start + args.slice]
                        floor += bare_smtplib(smtp, [payloads[i] for i in part], settings.from_address)
                        oncord += through_oncord("bench-smtp", part, drafts, channel)
                        batch += through_batch("bench-batch", part, drafts, channel)
                        ledger += ledger_only(part, drafts, prebuilt)
                        outbox += through_oncord("bench-outbox", part, drafts, recorder)
                        outbox_batch += through_batch("bench-outbox-batch", part, drafts, recorder)
                db.session.remove()
                db.engine.dispose()
    finally:
        server.terminate()
        server.wait(10)
    n = args.messages
    print(f"{n:,} marketing emails, database {args.db}, aiosmtpd (Sink) on loopback, security none, "
          f"slices of {args.slice}, deliver_batch per_commit={args.per_commit}")
    print(f"rendering (markdown-it-py):      {n / rendering:9,.0f} messages/s")
    print(f"bare smtplib, one connection:    {n / floor:9,.0f} messages/s  (the floor)")
    print(f"oncord deliver + SmtpChannel:    {n / oncord:9,.0f} messages/s  = {floor / oncord:.2f} of the bare loop")
    print(f"oncord deliver_batch + SmtpChannel: {n / batch:6,.0f} messages/s  = {floor / batch:.2f} of the bare loop")
    print(f"ledger only (deliver_batch over the floor's bytes): {n / ledger:,.0f} messages/s  "
          f"= {floor / ledger:.2f} of the bare loop")
    print(f"oncord deliver, outbox mode:     {n / outbox:9,.0f} messages/s")
    print(f"oncord deliver_batch, outbox:    {n / outbox_batch:9,.0f} messages/s")


if __name__ == "__main__":
    main()
