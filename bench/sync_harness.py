"""Shared set-up for the sync benchmarks: an oncord app on a scratch database, connected
to a Cliniko sandbox in its own process (rate limit off, as a remote API would be), with
real Redis."""
from __future__ import annotations

import os
import secrets
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
os.environ.setdefault("ONCORD_ENCRYPTION_KEYS", Fernet.generate_key().decode())

from flask_migrate import upgrade  # noqa: E402

from oncord import create_app  # noqa: E402
from oncord.config import normalise_database_url  # noqa: E402
from oncord.extensions import db  # noqa: E402
from oncord.sync import connection as connections  # noqa: E402

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
API_KEY = "bench" + secrets.token_hex(12) + "-au1"


@contextmanager
def scratch_database(kind: str):
    """Yield (url, engine options) of an empty SQLite file or PostgreSQL schema."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db", {}
        return
    url = normalise_database_url(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    schema = f"bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url, {"connect_args": {"options": f"-csearch_path={schema}"}}
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class SandboxProcess:
    """`python -m cliniko_sandbox` on a free port; `requests_made()` reads its counter."""

    def __init__(self, patients: int, appointments: int, seed: int = 42, rate_limit: bool = False,
                 classes: int | None = None):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.api_key = API_KEY
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.args = [sys.executable, "-m", "cliniko_sandbox", "--port", str(self.port), "--patients", str(patients),
                     "--appointments", str(appointments), "--seed", str(seed), "--api-key", API_KEY]
        if not rate_limit:
            self.args.append("--no-rate-limit")
        if classes is not None:  # weekly class series per business (the sandbox's default: 3)
            self.args += ["--classes", str(classes)]

    def __enter__(self) -> "SandboxProcess":
        import subprocess
        import time

        import requests

        root = Path(__file__).resolve().parent.parent
        self.proc = subprocess.Popen(self.args, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{self.port}/_sandbox/", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("the sandbox did not start")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def requests_made(self) -> int:
        import requests

        return self.request_log()["total"]

    def request_log(self) -> dict:
        import requests

        return requests.get(f"http://127.0.0.1:{self.port}/_sandbox/requests", timeout=5).json()

    def clear_requests(self) -> None:
        import requests

        requests.delete(f"http://127.0.0.1:{self.port}/_sandbox/requests", timeout=5)


@contextmanager
def connected_app(kind: str, sandbox: SandboxProcess, client_options: dict | None = None):
    """An app context on a fresh `kind` database, connected to `sandbox`."""
    # Not the tests' dbs; BENCH_REDIS_URL names a Redis of the benchmark's own.
    redis_url = os.environ.get("BENCH_REDIS_URL") or (
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/5")
    with scratch_database(kind) as (url, options):
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options,
                          "REDIS_URL": redis_url, "RQ_QUEUE_PREFIX": f"oncord-bench-{secrets.token_hex(3)}", "LOG_LEVEL": "WARNING",
                          "CLINIKO_CLIENT_OPTIONS": client_options if client_options is not None
                          else {"rate_limit": 1_000_000, "rate_burst": 10_000}})
        with app.app_context():
            upgrade()
            connection = connections.connect(sandbox.api_key, base_url=sandbox.base_url)
            db.session.commit()
            yield app, connection
            db.session.remove()
            db.engine.dispose()


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(normalise_database_url(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)))
        with engine.connect():
            return True
    except Exception:
        return False
