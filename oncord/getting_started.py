"""The dashboard, read from the real state of the install.

Admins get the setup checklist (accounts, worker, Cliniko). Everyone else gets a
plain summary: operator steps such as `make run` mean nothing to a receptionist.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup
from rq import Worker

from sqlalchemy import func, select

from oncord import accounts
from oncord.extensions import db
from oncord.models import Contact
from oncord.sync.connection import get_connection
from oncord.queues import all_queues, redis_connection


@dataclass(frozen=True)
class Step:
    title: str
    done: bool
    detail: str  # plain text or Markup
    link: str | None = None
    link_text: str | None = None


def checklist(is_admin: bool) -> list[Step]:
    users = accounts.user_count()
    workers = running_workers()
    connection = get_connection()
    connected = bool(connection and connection.is_connected)
    synced = bool(connection and connection.last_full_sync_at)
    contacts = db.session.scalar(select(func.count(Contact.id))) if synced else 0
    integrations = url_for("integrations.index") if is_admin else None
    return [
        Step("Create the administrator account", users > 0, "The first account runs the clinic's settings."),
        Step(
            "Add your team",
            users > 1,
            f"{users} staff account{'s' if users != 1 else ''} so far. Each person signs in with their own.",
            url_for("users.index") if is_admin else None,
            "Manage users",
        ),
        Step(
            "Start the background worker",
            workers > 0,
            Markup("{} worker{} running. Syncing and sending happen in the worker: <code>make run</code> starts "
                   "one; on a server, run <code>python worker.py</code>.").format(workers, "s" if workers != 1 else ""),
            url_for("rq_dashboard.workers_overview", instance_number=0) if is_admin else None,
            "See workers",
        ),
        Step("Connect Cliniko", connected,
             f"Connected to {connection.account_name or 'Cliniko'}." if connected
             else "Paste a Cliniko API key under Settings > Integrations.", integrations, "Integrations"),
        Step("Finish the first sync", synced,
             f"{contacts} contacts imported from Cliniko." if synced
             else "Every patient becomes a contact, with appointments in their activity feed.",
             integrations if connected else None, "Sync status"),
    ]


@dataclass(frozen=True)
class Summary:
    """What a staff member who is not an admin can act on, in their words."""
    connected: bool
    account_name: str | None
    synced: bool
    contacts: int


def staff_summary() -> Summary:
    connection = get_connection()
    connected = bool(connection and connection.is_connected)
    return Summary(
        connected=connected,
        account_name=connection.account_name if connected else None,
        synced=bool(connected and connection.last_full_sync_at),
        contacts=db.session.scalar(select(func.count(Contact.id))) or 0,
    )


def running_workers() -> int:
    """Workers listening on our queues; 0 when Redis is unreachable."""
    try:
        names = {queue.name for queue in all_queues()}
        workers = Worker.all(connection=redis_connection())
    except Exception:  # Redis down: the dashboard still renders
        return 0
    return sum(1 for worker in workers if names & set(worker.queue_names()))
