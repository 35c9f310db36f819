"""Settings from the environment, with safe defaults for a one-machine install.

Secrets that must survive restarts (the session key, the key that encrypts stored
credentials) are generated once into the instance folder when the environment does
not provide them, so nothing secret is ever a constant in the code.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def read_or_create_secret(path: Path, make) -> str:
    """Return the secret stored at `path`, creating it (mode 0600) the first time.

    Opening with O_EXCL means two processes starting together agree on one value.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(make())
    return path.read_text().strip()


def load_config(instance_path: str) -> dict:
    """Everything the app reads from the environment, as Flask config keys."""
    instance = Path(instance_path)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'oncord.db'}"
    secret_key = os.environ.get("SECRET_KEY") or read_or_create_secret(
        instance / "secret_key", lambda: secrets.token_hex(32)
    )
    encryption_keys = os.environ.get("ONCORD_ENCRYPTION_KEYS") or read_or_create_secret(
        instance / "encryption_key", lambda: Fernet.generate_key().decode()
    )
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    secure_cookies = _env_bool("SESSION_COOKIE_SECURE", False)
    return {
        "SECRET_KEY": secret_key,
        "ENCRYPTION_KEYS": encryption_keys,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options({"pool_pre_ping": True}),
        "REDIS_URL": redis_url,
        "RQ_QUEUE_PREFIX": os.environ.get("ONCORD_QUEUE_PREFIX", "oncord"),
        "RQ_DASHBOARD_REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: count sign-in attempts in memory rather than lock everyone out.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        "LOGIN_RATE_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_RATE_LIMIT_PER_ADDRESS", "20 per 10 minutes"),
        "LOGIN_RATE_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_RATE_LIMIT_PER_ACCOUNT", "5 per 10 minutes"),
        # Unsubscribe POSTs: big mail providers click from few addresses, so the per-address limit is generous.
        "UNSUBSCRIBE_RATE_LIMIT_PER_ADDRESS": os.environ.get("UNSUBSCRIBE_RATE_LIMIT_PER_ADDRESS", "120 per minute"),
        "UNSUBSCRIBE_RATE_LIMIT_PER_LINK": os.environ.get("UNSUBSCRIBE_RATE_LIMIT_PER_LINK", "5 per minute"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "PREFERRED_URL_SCHEME": "https" if secure_cookies else "http",
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session
        "SYNC_INTERVAL_SECONDS": int(os.environ.get("SYNC_INTERVAL_SECONDS", "120")),
        "PUSH_DELAY_SECONDS": int(os.environ.get("PUSH_DELAY_SECONDS", "120")),
        # How often each idle worker puts back scheduled jobs lost from Redis.
        "SCHEDULE_CHECK_SECONDS": int(os.environ.get("SCHEDULE_CHECK_SECONDS", "60")),
        # A pull works in slices of this many seconds, each a worker job that RQ stops
        # after SYNC_JOB_TIMEOUT_SECONDS; a started job silent for JOB_DEAD_AFTER_SECONDS
        # is taken for dead (its worker was killed) and replaced.
        "SYNC_SLICE_SECONDS": int(os.environ.get("SYNC_SLICE_SECONDS", "120")),
        "SYNC_JOB_TIMEOUT_SECONDS": int(os.environ.get("SYNC_JOB_TIMEOUT_SECONDS", "600")),
        "SYNC_LOCK_TTL_SECONDS": int(os.environ.get("SYNC_LOCK_TTL_SECONDS", "90")),
        "JOB_DEAD_AFTER_SECONDS": int(os.environ.get("JOB_DEAD_AFTER_SECONDS", "120")),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        "CLINIC_TIMEZONE": os.environ.get("CLINIC_TIMEZONE", "Australia/Sydney"),
        "CONTACT_EMAIL": os.environ.get("ONCORD_CONTACT_EMAIL", "oncord@example.com"),
        # Where patients and providers reach this install: unsubscribe links, Twilio callbacks.
        "PUBLIC_URL": os.environ.get("ONCORD_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        # Messaging: these override Settings > Messaging (see oncord/messaging/settings.py).
        "SMTP_URL": os.environ.get("ONCORD_SMTP_URL") or None,
        "TWILIO_ACCOUNT_SID": os.environ.get("ONCORD_TWILIO_ACCOUNT_SID") or None,
        "TWILIO_AUTH_TOKEN": os.environ.get("ONCORD_TWILIO_AUTH_TOKEN") or None,
        "TWILIO_FROM": os.environ.get("ONCORD_TWILIO_FROM") or None,
        # A CA bundle to trust for the SMTP server's certificate (a private CA; tests), else the system's.
        "SMTP_CA_FILE": os.environ.get("ONCORD_SMTP_CA_FILE") or None,
        "SMTP_TIMEOUT_SECONDS": float(os.environ.get("ONCORD_SMTP_TIMEOUT_SECONDS", "30")),
        # Tests only: "module:Class" of a channel used instead of outbox/SMTP/Twilio.
        "MESSAGING_TEST_CHANNEL": os.environ.get("ONCORD_MESSAGING_TEST_CHANNEL") or None,
        "MESSAGING_RECOVERY_SECONDS": int(os.environ.get("ONCORD_MESSAGING_RECOVERY_SECONDS", "60")),
        "MESSAGING_STUCK_AFTER_SECONDS": int(os.environ.get("ONCORD_MESSAGING_STUCK_AFTER_SECONDS", "600")),
        # Automations: no SMS in these clinic-time hours (an SMS due then waits for the morning).
        "AUTOMATION_QUIET_HOURS": os.environ.get("ONCORD_AUTOMATION_QUIET_HOURS", "20:00-08:00"),
        # How long a send waits for Cliniko to answer the truth check before it is skipped.
        "AUTOMATION_TRUTH_RETRY_MINUTES": int(os.environ.get("ONCORD_AUTOMATION_TRUTH_RETRY_MINUTES", "30")),
        # A run a worker claimed is left alone this long; a dead worker's run is taken up after it.
        "AUTOMATION_LEASE_SECONDS": int(os.environ.get("ONCORD_AUTOMATION_LEASE_SECONDS", "300")),
        # Campaigns: recipients per sending job, and how many failed sends in a row pause a campaign.
        "CAMPAIGN_BATCH_SIZE": int(os.environ.get("ONCORD_CAMPAIGN_BATCH_SIZE", "50")),
        "CAMPAIGN_MAX_CONSECUTIVE_FAILURES": int(os.environ.get("ONCORD_CAMPAIGN_MAX_CONSECUTIVE_FAILURES", "10")),
        # How often the campaigns check runs: it starts scheduled campaigns whose job was lost, and picks up stalled sends.
        "CAMPAIGN_CHECK_SECONDS": int(os.environ.get("ONCORD_CAMPAIGN_CHECK_SECONDS", "60")),
    }


def engine_options(options: dict | None) -> dict:
    """SQL parameters are patient data: keep them out of every error message and log."""
    return {**(options or {}), "hide_parameters": True}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
