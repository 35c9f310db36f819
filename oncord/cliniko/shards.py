"""Where a key's requests go (its shard) and how oncord introduces itself (User-Agent)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from .errors import InvalidApiKey

KNOWN_SHARDS = frozenset({"au1", "au2", "au3", "au4", "au5", "ca1", "uk1", "uk2", "eu1"})
DEFAULT_SHARD = "au1"  # keys minted before sharding carry no suffix and live on au1
_SHARD_TOKEN = re.compile(r"^[a-z]{2}\d{1,2}$", re.IGNORECASE)
_USER_AGENT = re.compile(r"^\S.*\(\s*[^()\s@]+@[^()\s@]+\.[^()\s@]+\s*\)\s*$")


def shard_from_key(api_key: str) -> str:
    """The shard is the key's suffix after the last '-'; no suffix means au1.

    Raises InvalidApiKey (without quoting the key) when the suffix is not a shard token.
    """
    key = api_key.strip()
    if not key:
        raise InvalidApiKey("the Cliniko API key is empty")
    if "-" not in key:
        return DEFAULT_SHARD
    body, _, suffix = key.rpartition("-")
    if not body or not _SHARD_TOKEN.match(suffix):
        raise InvalidApiKey(
            "the Cliniko API key does not end in a known shard suffix (e.g. au1, uk2)"
        )
    return suffix.lower()


def base_url_for_shard(shard: str) -> str:
    if not _SHARD_TOKEN.match(shard):
        raise InvalidApiKey(f"{shard!r} is not a Cliniko shard")
    return f"https://api.{shard.lower()}.cliniko.com/v1"


def key_identity(api_key: str) -> str:
    """The key without its shard suffix: both spellings authenticate the same user."""
    key = api_key.strip()
    body, sep, suffix = key.rpartition("-")
    return body if sep and body and _SHARD_TOKEN.match(suffix) else key


def user_agent(app_name: str, contact_email: str) -> str:
    """Cliniko wants 'APP_VENDOR_NAME (APP_VENDOR_EMAIL)' and may block anything else."""
    value = f"{app_name.strip()} ({contact_email.strip()})"
    check_user_agent(value)
    return value


def check_user_agent(value: str) -> str:
    if not isinstance(value, str) or not _USER_AGENT.match(value) or "\n" in value:
        raise ValueError(
            "Cliniko requires a User-Agent like 'oncord (admin@clinic.example)': "
            "an app name and a contact email in parentheses"
        )
    return value


def check_base_url(base_url: str, *, allow_http: bool = False) -> str:
    """An explicit base URL (the sandbox) may be http only on loopback, unless allow_http."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("base_url must be an absolute http(s) URL")
    if parts.username or parts.password:
        raise ValueError("base_url must not carry credentials")
    if parts.scheme == "http" and _is_cliniko(parts.hostname):
        raise ValueError("Cliniko is HTTPS only; plain http is never sent to cliniko.com")
    if parts.scheme == "http" and not (allow_http or _is_loopback(parts.hostname)):
        raise ValueError("Cliniko is HTTPS only; plain http is allowed for loopback sandboxes")
    return base_url.rstrip("/")


def _is_cliniko(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "cliniko.com" or host.endswith(".cliniko.com")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
