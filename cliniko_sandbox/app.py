"""The sandbox as one plain WSGI app (so gunicorn can run it too).

Each `/v1` request passes Cliniko's gates in Cliniko's order — User-Agent (403),
key (401), rate limit (429) — then the fault plan, then the route. `/_sandbox`
is the control surface and skips all of it.
"""

from __future__ import annotations

import base64
import binascii
import re
import socket
import time
from collections.abc import Iterable, Iterator
from typing import Any

from werkzeug.wrappers import Request, Response

from cliniko_sandbox.api import Api
from cliniko_sandbox.responses import json_response, message
from cliniko_sandbox.control import Control
from cliniko_sandbox.faults import Fault, Faults, RateLimiter, RequestLog
from cliniko_sandbox.store import Store
from cliniko_sandbox.world import World

SHARD = re.compile(r"^[a-z]{2}\d{1,2}$", re.IGNORECASE)
# "Really helpful app (devs@helpfulapp.com)": a name and a contact email in brackets
USER_AGENT = re.compile(r"\S.*\([^()\s]*[^()\s@]@[^()\s@]+\.[^()\s@]+\)")
DEFAULT_KEY = "sandbox0000000000000000000000000000-au1"


def split_key(api_key: str) -> tuple[str, str]:
    """(key body, shard) from a key like `MxJr...9-au2`; the sandbox insists on a suffix."""
    body, sep, shard = api_key.rpartition("-")
    if not sep or not body or not SHARD.match(shard):
        raise ValueError(f"API key must end in a shard suffix such as -au1, got {api_key!r}")
    return body, shard.lower()


class Sandbox:
    """A Cliniko account in a box: world, faults, rate limit, request log, WSGI."""

    def __init__(self, *, api_key: str = DEFAULT_KEY, seed: int = 0, patients: int = 0,
                 appointments: int = 0, classes: int = 0, db: str = ":memory:", keep_db: bool = False,
                 rate_limit: bool = True, rate_limit_per_minute: int = 200,
                 retry_after_header: bool = False, faults: dict[str, Any] | None = None,
                 public_url: str | None = None, subdomain: str | None = None,
                 account_name: str | None = None) -> None:
        self.key_body, self.shard = split_key(api_key)
        self.api_key = api_key
        self.public_url = public_url.rstrip("/") if public_url else None
        self.retry_after_header = retry_after_header
        self.store = Store(db)
        self.world = World(self.store, seed=seed, patients=patients, appointments=appointments,
                           classes=classes, subdomain=subdomain, account_name=account_name)
        self.kept_world = keep_db and self.store.has_world()
        if self.kept_world:
            self.world.adopt()
        else:
            self.world.reset()
        self.faults = Faults(**(faults or {}))
        self.rate_limiter = RateLimiter(rate_limit_per_minute, enabled=rate_limit)
        self._rate_defaults = (rate_limit, rate_limit_per_minute)
        self.requests = RequestLog()
        self.api = Api(self.world)
        self.control = Control(self)
        self.live = None  # a LiveActivity once --live or the control surface starts one

    def reset(self, *, patients: int | None = None, appointments: int | None = None,
              seed: int | None = None, classes: int | None = None) -> None:
        """Fresh world, no faults, rate limiter back on its start-up settings, counters at zero."""
        self.world.reset(patients=patients, appointments=appointments, seed=seed, classes=classes)
        self.faults.clear()
        self.rate_limiter.configure(enabled=self._rate_defaults[0],
                                    per_minute=self._rate_defaults[1])
        self.requests.reset()

    def set_rate_limit(self, enabled: bool = True, per_minute: int | None = None) -> None:
        self.rate_limiter.configure(enabled=enabled, per_minute=per_minute)

    # -- WSGI ------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        if path == "/_sandbox" or path.startswith("/_sandbox/"):
            return self.control.dispatch(request)(environ, start_response)
        if path == "/v1" or path.startswith("/v1/"):
            return self._v1(request, environ, start_response)
        return message("Not Found", 404)(environ, start_response)

    def base_for(self, request: Request) -> str:
        return self.public_url or request.host_url.rstrip("/") + "/v1"

    def _v1(self, request: Request, environ: dict[str, Any], start_response: Any
            ) -> Iterable[bytes]:
        endpoint, handler, args = self.api.endpoint_for(request.method,
                                                        request.path.removeprefix("/v1"))
        response, fault = self._answer(request, handler, args)
        if fault and fault.kind == "drop":
            self.requests.record(request.method, request.path, request.query_string.decode(),
                                 endpoint, 0)
            return _drop_midway(response, environ, start_response)
        if fault and fault.kind in ("malformed", "truncate"):
            _spoil(response, fault.kind)
        self.requests.record(request.method, request.path, request.query_string.decode(),
                             endpoint, response.status_code)
        return response(environ, start_response)

    def _answer(self, request: Request, handler: str | None, args: dict[str, str]
                ) -> tuple[Response, Fault | None]:
        if not USER_AGENT.search(request.headers.get("User-Agent", "")):
            return Response("Requires a user agent", 403, content_type="text/plain"), None
        if not self._authorised(request.headers.get("Authorization", "")):
            return Response("HTTP Basic: Access denied.\n", 401,
                            {"WWW-Authenticate": 'Basic realm="Application"'},
                            content_type="text/html; charset=utf-8"), None
        allowed, reset_at = self.rate_limiter.hit(self.key_body)
        if not allowed:
            return self._too_many(reset_at), None
        delay, fault = self.faults.draw(request.path)
        if delay:
            time.sleep(delay)
        if fault and fault.kind == "rate_limit":
            return self._too_many(int(time.time()) + fault.reset_in), None
        if fault and fault.kind == "error":
            return _server_error(fault.status), None
        with self.store.lock:  # keep a page consistent with its total_entries
            response = self.api.dispatch(request, handler, args, self.base_for(request))
        return response, fault

    def _authorised(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            username = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return False
        # with or without the shard suffix (any case); another shard's suffix is a wrong key
        if username == self.key_body:
            return True
        body, sep, shard = username.rpartition("-")
        return bool(sep) and body == self.key_body and shard.lower() == self.shard

    def _too_many(self, reset_at: int) -> Response:
        headers = {"X-RateLimit-Reset": str(reset_at)}
        if self.retry_after_header:
            headers["Retry-After"] = str(max(reset_at - int(time.time()), 0))
        return json_response({"message": "Too Many Requests"}, 429, headers)


def _server_error(status: int) -> Response:
    if status == 500:
        return message("Internal Server Error", 500)
    text = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}.get(
        status, "Server Error")
    html = f"<html><head><title>{status} {text}</title></head><body><h1>{text}</h1></body></html>"
    return Response(html, status, content_type="text/html")


def _spoil(response: Response, kind: str) -> None:
    """`malformed`: a complete response whose JSON does not parse; `truncate`: the body
    cut short with a Content-Length that matches the cut (the HTTP is fine)."""
    body = response.get_data()
    if kind == "truncate":
        response.set_data(body[: max(len(body) // 2, 1)])
    else:
        response.set_data(body[: len(body) // 2] + b'<!-- upstream error -->{"' + b"\x00")
        response.content_type = "application/json; charset=utf-8"


def _drop_midway(response: Response, environ: dict[str, Any], start_response: Any
                 ) -> Iterator[bytes]:
    """Headers promise the whole body; half of it goes out, then the socket closes."""
    body = response.get_data() or b'{"patients":[' + b" " * 64 + b"]}"
    response.headers["Content-Length"] = str(len(body))
    start_response(response.status, list(response.headers.items()))
    yield body[: len(body) // 2]
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAbortedError("sandbox fault: connection dropped mid-response")
