"""The settings sending uses: the saved row, overridden field by field by the environment.

Deployments may set ONCORD_SMTP_URL (smtp://user:password@host:port?security=starttls|ssl|none)
and ONCORD_TWILIO_ACCOUNT_SID / _AUTH_TOKEN / _FROM; `from_environment` names the fields
they decide, so the settings page can say so. Email stays in outbox mode until an SMTP host
is configured, SMS until a Twilio account is.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, fields
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import select

from oncord.extensions import db
from oncord.models import MessagingSettings
from oncord.models.messaging_settings import DEFAULT_SMS_OPT_OUT_WORDING

SMTP_SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class SettingsError(ValueError):
    """A setting that cannot be used, said in staff words."""


@dataclass(frozen=True)
class EffectiveSettings:
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    from_name: str | None = None
    from_address: str | None = None
    reply_to: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)
    twilio_sender: str | None = None
    clinic_name: str | None = None
    postal_address: str | None = None
    phone: str | None = None
    website: str | None = None
    logo_url: str | None = None
    accent_colour: str | None = None
    sms_opt_out_wording: str = DEFAULT_SMS_OPT_OUT_WORDING
    from_environment: frozenset[str] = frozenset()

    @property
    def email_outbox(self) -> bool:
        """No SMTP host: emails are recorded exactly as they would be sent, and not sent."""
        return not self.smtp_host

    @property
    def sms_outbox(self) -> bool:
        return not (self.twilio_account_sid and self.twilio_auth_token and self.twilio_sender)

    def outbox(self, channel: str) -> bool:
        return self.email_outbox if channel == "email" else self.sms_outbox


def saved_settings() -> MessagingSettings | None:
    return db.session.scalars(select(MessagingSettings).order_by(MessagingSettings.id).limit(1)).first()


def get_or_create_settings() -> MessagingSettings:
    """The one settings row, for the settings page to edit; the caller commits."""
    row = saved_settings()
    if row is None:
        row = MessagingSettings()
        db.session.add(row)
        db.session.flush()
    return row


def effective_settings() -> EffectiveSettings:
    """The saved row with the environment's values on top."""
    row = saved_settings()
    values = {f.name: getattr(row, f.name) for f in fields(EffectiveSettings)
              if f.name != "from_environment" and row is not None and getattr(row, f.name) is not None}
    overrides = environment_overrides(current_app.config)
    return EffectiveSettings(**(values | overrides), from_environment=frozenset(overrides))


def environment_overrides(config) -> dict:
    """The fields the environment decides (read into config by `oncord.config`)."""
    overrides = parse_smtp_url(config["SMTP_URL"]) if config.get("SMTP_URL") else {}
    for name, key in (("twilio_account_sid", "TWILIO_ACCOUNT_SID"), ("twilio_auth_token", "TWILIO_AUTH_TOKEN"),
                      ("twilio_sender", "TWILIO_FROM")):
        if config.get(key):
            overrides[name] = config[key]
    return overrides


def parse_smtp_url(url: str) -> dict:
    """smtp://user:password@host:port?security=starttls|ssl|none -> settings fields."""
    parts = urlsplit(url)
    if parts.scheme != "smtp" or not parts.hostname:
        raise SettingsError("ONCORD_SMTP_URL must look like smtp://user:password@host:port?security=starttls")
    security = (parse_qs(parts.query).get("security") or ["starttls"])[0].lower()
    if security not in SMTP_SECURITY:
        raise SettingsError(f"ONCORD_SMTP_URL: security must be one of {', '.join(SMTP_SECURITY)}, not {security!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise SettingsError("ONCORD_SMTP_URL: the port must be a number") from exc
    result = {"smtp_host": parts.hostname, "smtp_port": port or DEFAULT_PORTS[security], "smtp_security": security}
    if parts.username:
        result["smtp_username"] = unquote(parts.username)
    if parts.password:
        result["smtp_password"] = unquote(parts.password)
    return result


def is_loopback_host(host: str | None) -> bool:
    """localhost or a loopback address: the only hosts where SMTP without TLS is allowed."""
    host = (host or "").strip().strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_smtp_reason(host: str | None, security: str) -> str | None:
    """Why this host and security may not be used together, or None."""
    if security == "none" and not is_loopback_host(host):
        return ("Sending without encryption is only allowed to a mail server on this machine (localhost); "
                "choose STARTTLS or SSL/TLS.")
    return None


SECRETS = ("smtp_password", "twilio_auth_token")
ENVIRONMENT_VARIABLES = {"smtp_host": "ONCORD_SMTP_URL", "smtp_port": "ONCORD_SMTP_URL",
                         "smtp_security": "ONCORD_SMTP_URL", "smtp_username": "ONCORD_SMTP_URL",
                         "smtp_password": "ONCORD_SMTP_URL", "twilio_account_sid": "ONCORD_TWILIO_ACCOUNT_SID",
                         "twilio_auth_token": "ONCORD_TWILIO_AUTH_TOKEN", "twilio_sender": "ONCORD_TWILIO_FROM"}


def save_settings(values: dict, *, clear: frozenset[str] = frozenset(),
                  locked: frozenset[str] = frozenset()) -> MessagingSettings:
    """Store what the settings page submitted; the caller commits.

    A blank secret keeps the stored one (it is never shown, so the form cannot send it back);
    `clear` names secrets to remove. Fields in `locked` are set by the environment: untouched.
    """
    row = get_or_create_settings()
    for name, value in values.items():
        if name in locked or (name in SECRETS and not value):
            continue
        setattr(row, name, value)
    for name in clear & set(SECRETS) - locked:
        setattr(row, name, None)
    if not row.sms_opt_out_wording:
        row.sms_opt_out_wording = DEFAULT_SMS_OPT_OUT_WORDING
    if not row.smtp_security:
        row.smtp_security = "starttls"
    return row


def missing_sender_identity(settings: EffectiveSettings) -> list[str]:
    """What marketing email still needs: the law requires the sender to be identified."""
    required = (("clinic_name", "clinic name"), ("postal_address", "postal address"))
    return [label for name, label in required if not getattr(settings, name)]
