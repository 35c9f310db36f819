"""The clinic's Cliniko connection: checked live before it is saved, key encrypted at rest."""
from __future__ import annotations

import logging
import re

from flask import current_app
from sqlalchemy import select

from oncord import cliniko
from oncord.cliniko.shards import check_base_url
from oncord.extensions import db
from oncord.models import ClinikoConnection, User
from oncord.queues import redis_connection
from oncord.timestamps import utcnow

log = logging.getLogger(__name__)


class ConnectionFailed(Exception):
    """The key could not be used; the message is for the clinic's staff."""


class NotConnected(Exception):
    """No working Cliniko connection is saved."""


def get_connection() -> ClinikoConnection | None:
    return db.session.scalar(select(ClinikoConnection).order_by(ClinikoConnection.id).limit(1))


def require_connection(connection_id: int | None = None) -> ClinikoConnection:
    connection = db.session.get(ClinikoConnection, connection_id) if connection_id else get_connection()
    if connection is None or not connection.is_connected:
        raise NotConnected("Cliniko is not connected.")
    return connection


def user_agent() -> str:
    return cliniko.user_agent("oncord", current_app.config["CONTACT_EMAIL"])


# Someone is waiting on the settings page: try briefly, then explain.
INTERACTIVE_RETRY = cliniko.RetryPolicy(max_attempts=2, max_elapsed=10.0, backoff_base=0.3)


def make_client(api_key: str, base_url: str | None = None, **options) -> cliniko.ClinikoClient:
    """A client sharing the rate budget of every process through Redis."""
    overrides = {**current_app.config.get("CLINIKO_CLIENT_OPTIONS", {}), **options}
    return cliniko.ClinikoClient(
        api_key, user_agent(), base_url or None,
        redis=redis_connection(), allow_http=bool(base_url) and _is_loopback(base_url), **overrides,
    )


def client_for(connection: ClinikoConnection) -> cliniko.ClinikoClient:
    return make_client(connection.api_key, connection.base_url)


def connect(api_key: str, *, base_url: str | None = None, subdomain: str | None = None,
            user: User | None = None) -> ClinikoConnection:
    """Check the key against Cliniko, then save it; nothing is saved when the check fails."""
    api_key = (api_key or "").strip()
    base_url = (base_url or "").strip() or None
    if base_url:
        try:
            check_base_url(base_url, allow_http=_is_loopback(base_url))
        except ValueError as exc:
            raise ConnectionFailed(f"The API address {base_url} cannot be used: {exc}. Leave it empty to "
                                   "connect to Cliniko itself.") from exc
    try:
        client = make_client(api_key, base_url, retry=INTERACTIVE_RETRY)
    except cliniko.InvalidApiKey as exc:
        raise ConnectionFailed(_explain(exc)) from exc
    except ValueError as exc:  # our own settings (User-Agent), not the key
        raise ConnectionFailed(f"oncord's Cliniko settings are not usable: {exc}") from exc
    with client:
        try:
            who = client.check_connection()
        except cliniko.ClinikoError as exc:
            raise ConnectionFailed(_explain(exc, client.base_url, shard=client.shard,
                                            custom_address=bool(base_url))) from exc
        try:
            account = client.account()
        except cliniko.ClinikoError as exc:  # a role without settings access still syncs
            log.info("cliniko: account settings not readable (%s); subdomain must be entered", type(exc).__name__)
            account = None
    connection = get_connection() or ClinikoConnection()
    first_time = connection.live_since is None
    connection.api_key = api_key
    connection.api_key_last4 = key_hint(api_key)
    connection.shard = client.shard
    connection.base_url = base_url
    connection.subdomain = (subdomain or "").strip() or (account.subdomain if account else None) or connection.subdomain
    connection.account_name = (account.name if account else None) or connection.account_name
    connection.user_name = " ".join(p for p in (who.first_name, who.last_name) if p) or who.email
    connection.connected_at = utcnow()
    connection.connected_by_id = user.id if user else None
    connection.disconnected_at = None
    connection.last_error = None
    if first_time:
        connection.live_since = connection.connected_at
    db.session.add(connection)
    db.session.flush()
    return connection


def key_hint(api_key: str) -> str:
    """The last four characters of the key's secret part (the -au1 ending tells nothing)."""
    body, dash, suffix = api_key.rpartition("-")
    return (body if dash and re.fullmatch(r"[A-Za-z]{2}\d{1,2}", suffix) else api_key)[-4:]


def disconnect(connection: ClinikoConnection) -> None:
    """Stop syncing and forget the key; every synced contact and appointment stays."""
    connection.api_key = None
    connection.disconnected_at = utcnow()


def set_auto_sync(connection: ClinikoConnection, enabled: bool) -> None:
    connection.auto_sync = enabled


def _explain(exc: Exception, base_url: str | None = None, *, shard: str | None = None,
             custom_address: bool = False) -> str:
    """Staff words for a failed check: the address tried, and what to check."""
    if isinstance(exc, cliniko.InvalidApiKey):
        return f"That does not look like a Cliniko API key: {exc}."
    if custom_address:
        tried = f"the API address {base_url} (under Advanced)"
    else:
        tried = f"{base_url}, Cliniko's address for keys ending in -{shard or 'au1'}"
    if isinstance(exc, cliniko.AuthenticationFailed):
        belongs = ("belongs to that address (leave the API address empty to connect to Cliniko itself)"
                   if custom_address else "its ending (such as -au1 or -uk2) names your Cliniko region")
        return (f"Cliniko did not accept this API key at {tried}. Check that it was copied whole, that it "
                f"has not been revoked, and that {belongs}.")
    if isinstance(exc, cliniko.Forbidden):
        return "This API key's Cliniko user is not allowed to read patients. Use a key of a user with more access."
    if isinstance(exc, cliniko.RateLimited):
        return "Cliniko is limiting requests for this key right now. Wait a minute and try again."
    if isinstance(exc, cliniko.Unavailable):
        if custom_address:
            return (f"No answer from {tried}. Check that address (leave it empty to connect to Cliniko itself), "
                    "that the server at that address is running, and the network between oncord and it, "
                    "then try again.")
        return (f"No answer from {tried}. Check that the key's ending (such as -au1 or -uk2) names your "
                "Cliniko region, that the API address under Advanced is empty unless you use the local "
                "Cliniko sandbox, and that this server can reach the internet, then try again.")
    return f"Cliniko refused the connection at {tried}: {exc}"


def _is_loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "") in {"127.0.0.1", "localhost", "::1"}
