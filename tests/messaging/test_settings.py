"""Effective settings: the saved row, with the environment on top; outbox mode until configured."""
from __future__ import annotations

import pytest

from oncord.messaging.channels import channel_for
from oncord.messaging.channels.outbox import OutboxChannel
from oncord.messaging.settings import SettingsError, effective_settings, get_or_create_settings, parse_smtp_url


@pytest.fixture
def no_env(app, monkeypatch):
    for key in ("SMTP_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "MESSAGING_TEST_CHANNEL"):
        monkeypatch.setitem(app.config, key, None)
    return app.config


def test_nothing_configured_means_outbox_mode_for_both(db, no_env):
    settings = effective_settings()
    assert settings.email_outbox and settings.sms_outbox and settings.from_environment == frozenset()
    assert isinstance(channel_for("email"), OutboxChannel) and isinstance(channel_for("sms"), OutboxChannel)
    assert settings.sms_opt_out_wording == "Reply STOP to opt out"


def test_saved_settings_leave_outbox_mode_and_keep_the_password_encrypted(db, no_env):
    row = get_or_create_settings()
    row.smtp_host, row.smtp_port, row.smtp_password, row.clinic_name = "mail.example", 587, "s3cret", "Bondi Physio"
    db.session.commit()
    stored = db.session.execute(db.text("SELECT smtp_password FROM messaging_settings")).scalar()
    assert stored and "s3cret" not in stored
    settings = effective_settings()
    assert not settings.email_outbox and settings.smtp_password == "s3cret" and settings.clinic_name == "Bondi Physio"
    assert "s3cret" not in repr(settings)
    assert settings.sms_outbox


def test_the_environment_overrides_the_page_and_says_which_fields(db, no_env):
    row = get_or_create_settings()
    row.smtp_host, row.from_address, row.twilio_sender = "saved.example", "clinic@saved.example", "+61400000000"
    db.session.commit()
    no_env["SMTP_URL"] = "smtp://mailer%40clinic:p%40ss@smtp.example:2525?security=ssl"
    no_env.update(TWILIO_ACCOUNT_SID="AC123", TWILIO_AUTH_TOKEN="tok", TWILIO_FROM="Clinic")
    settings = effective_settings()
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == ("smtp.example", 2525, "ssl")
    assert (settings.smtp_username, settings.smtp_password) == ("mailer@clinic", "p@ss")
    assert settings.from_address == "clinic@saved.example"  # not overridden: the page's value stands
    assert settings.twilio_sender == "Clinic" and not settings.sms_outbox
    assert settings.from_environment == {"smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password",
                                         "twilio_account_sid", "twilio_auth_token", "twilio_sender"}


def test_smtp_url_defaults_and_errors():
    assert parse_smtp_url("smtp://localhost") == {"smtp_host": "localhost", "smtp_port": 587, "smtp_security": "starttls"}
    assert parse_smtp_url("smtp://localhost?security=none")["smtp_port"] == 25
    for bad in ("http://host", "smtp://", "smtp://host?security=tls", "smtp://host:port"):
        with pytest.raises(SettingsError):
            parse_smtp_url(bad)
