"""A local stand-in for Cliniko's REST API v1, for oncord's tests and demos.

`python -m cliniko_sandbox --help` runs it; `cliniko_sandbox.testing.SandboxServer`
runs it inside a test; `create_app()` hands it to gunicorn
(`gunicorn 'cliniko_sandbox:create_app()'`).
"""

from __future__ import annotations

from typing import Any

from cliniko_sandbox.app import Sandbox


def create_app(**options: Any) -> Sandbox:
    """A WSGI app; options as `Sandbox`, defaulting from `CLINIKO_SANDBOX_*` env vars."""
    import os

    env = {
        "api_key": os.environ.get("CLINIKO_SANDBOX_API_KEY"),
        "patients": os.environ.get("CLINIKO_SANDBOX_PATIENTS"),
        "appointments": os.environ.get("CLINIKO_SANDBOX_APPOINTMENTS"),
        "seed": os.environ.get("CLINIKO_SANDBOX_SEED"),
        "subdomain": os.environ.get("CLINIKO_SANDBOX_SUBDOMAIN"),
        "account_name": os.environ.get("CLINIKO_SANDBOX_ACCOUNT_NAME"),
    }
    text = {"api_key", "subdomain", "account_name"}
    defaults = {k: (v if k in text else int(v)) for k, v in env.items() if v}
    return Sandbox(**{**defaults, **options})


__all__ = ["Sandbox", "create_app"]
