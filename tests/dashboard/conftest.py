"""Seeding helpers for the dashboard: messages at given instants, replies, campaigns."""
from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from oncord.extensions import db as _db
from oncord.models import Message

_keys = itertools.count(1)


def add_message(created_at: datetime, status: str = "sent", *, kind: str = "factual", channel: str = "sms",
                contact=None, **fields) -> Message:
    message = Message(key=f"test:{next(_keys)}", channel=channel, kind=kind, source="automation", status=status,
                      contact_id=contact.id if contact else None, address="+61400000000", created_at=created_at,
                      body_text="See you soon", **fields)
    _db.session.add(message)
    return message


@pytest.fixture
def sydney(app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "Australia/Sydney")
    return "Australia/Sydney"
