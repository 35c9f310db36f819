"""Messaging fixtures: a recording channel instead of a provider, and a subscribed contact."""
from __future__ import annotations

import pytest

from oncord.models import ConsentStatus
from tests.fixtures.smtp import smtp_certificates, smtp_server  # noqa: F401  (a real SMTP server on loopback)

RECORDING = "tests.messaging.recording_channel:RecordingChannel"


@pytest.fixture
def recording(app, tmp_path, monkeypatch):
    """Route every send through the recording channel; yields its log file."""
    log = tmp_path / "provider-calls.jsonl"
    monkeypatch.setitem(app.config, "MESSAGING_TEST_CHANNEL", RECORDING)
    monkeypatch.setenv("RECORDING_CHANNEL_LOG", str(log))
    monkeypatch.delenv("RECORDING_CHANNEL_HANG", raising=False)
    return log


@pytest.fixture
def subscribed(db):
    from tests.factories import ContactFactory

    contact = ContactFactory(email="pat@mail.example", phone="+61412345678",
                             email_status=ConsentStatus.SUBSCRIBED.value, sms_status=ConsentStatus.SUBSCRIBED.value)
    db.session.commit()
    return contact
