"""Run the sandbox on a free loopback port in a background thread.

    with SandboxServer(patients=10, seed=1, rate_limit=False) as sb:
        requests.get(f"{sb.base_url}/patients", auth=sb.auth, headers=sb.headers)
"""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from cliniko_sandbox.app import DEFAULT_KEY, Sandbox
from cliniko_sandbox.faults import Faults, RateLimiter, RequestLog
from cliniko_sandbox.world import World

TEST_USER_AGENT = "oncord tests (tests@oncord.example)"


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 keep-alive, as Cliniko's servers speak: clients reuse connections."""

    protocol_version = "HTTP/1.1"


class _QuietHandler(KeepAliveHandler):
    """Tests make thousands of requests; a log line each drowns pytest's output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class SandboxServer:
    """A threaded WSGI server around one `Sandbox`; a context manager or start()/stop()."""

    def __init__(self, *, api_key: str = DEFAULT_KEY, patients: int = 0, appointments: int = 0,
                 seed: int = 0, rate_limit: bool = True, host: str = "127.0.0.1",
                 port: int = 0, **options: Any) -> None:
        self.sandbox = Sandbox(api_key=api_key, patients=patients, appointments=appointments,
                               seed=seed, rate_limit=rate_limit, **options)
        self.host, self.port = host, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        self._server = make_server(self.host, self.port, self.sandbox, threaded=True,
                                   request_handler=_QuietHandler)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self.sandbox.world.base_url = self.base_url
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},  # quick stop()
                                        name=f"cliniko-sandbox-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.sandbox.live:
            self.sandbox.live.stop()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Same form as Cliniko's `https://api.au1.cliniko.com/v1`."""
        return f"{self.root_url}/v1"

    @property
    def control_url(self) -> str:
        return f"{self.root_url}/_sandbox"

    @property
    def api_key(self) -> str:
        return self.sandbox.api_key

    @property
    def auth(self) -> tuple[str, str]:
        """For `requests`: HTTP Basic with the key as username and a blank password."""
        return (self.api_key, "")

    @property
    def headers(self) -> dict[str, str]:
        return {"User-Agent": TEST_USER_AGENT, "Accept": "application/json"}

    @property
    def world(self) -> World:
        return self.sandbox.world

    @property
    def faults(self) -> Faults:
        return self.sandbox.faults

    @property
    def requests(self) -> RequestLog:
        return self.sandbox.requests

    @property
    def rate_limiter(self) -> RateLimiter:
        return self.sandbox.rate_limiter

    def reset(self, *, patients: int | None = None, appointments: int | None = None,
              seed: int | None = None, classes: int | None = None) -> None:
        self.sandbox.reset(patients=patients, appointments=appointments, seed=seed, classes=classes)

    def set_rate_limit(self, enabled: bool = True, per_minute: int | None = None) -> None:
        self.sandbox.set_rate_limit(enabled, per_minute)
