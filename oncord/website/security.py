"""Security headers: a strict CSP for the public site; staff pages can never be framed.

Public pages run no inline script: Cliniko's resize snippet is replaced by our own listener
in static/cliniko-embed.js, so `script-src 'self'` suffices and no hash or nonce is needed.
Frames may come from any https source (embeds are allow-listed https iframes) and the
clinic's Cliniko host is named explicitly so the policy documents it.
"""
from __future__ import annotations

from flask import Flask, Response, request

PUBLIC_BLUEPRINT = "public_site"
STAFF_FRAME_POLICY = "frame-ancestors 'none'"


def public_csp(cliniko_host: str | None = None) -> str:
    frames = ["https:"] + ([f"https://{cliniko_host}"] if cliniko_host else [])
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],  # Cliniko's iframe carries a style attribute
        "img-src": ["'self'", "https:", "data:"],
        "frame-src": frames,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def apply_public_headers(response: Response, cliniko_host: str | None = None) -> Response:
    response.headers["Content-Security-Policy"] = public_csp(cliniko_host)
    return response


def cliniko_host(connection) -> str | None:
    """The clinic's Cliniko web host, e.g. my-clinic.au1.cliniko.com, when known."""
    if connection is None or not connection.subdomain:
        return None
    return f"{connection.subdomain}.{connection.shard}.cliniko.com" if connection.shard else f"{connection.subdomain}.cliniko.com"


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if request.blueprint != PUBLIC_BLUEPRINT:  # staff pages, login, errors: never framed
            _forbid_framing(response)
        return response


def _forbid_framing(response: Response) -> None:
    response.headers["X-Frame-Options"] = "DENY"
    policy = response.headers.get("Content-Security-Policy")
    if not policy:
        response.headers["Content-Security-Policy"] = STAFF_FRAME_POLICY
    elif "frame-ancestors" in policy:
        directives = [d.strip() for d in policy.split(";") if d.strip() and not d.strip().startswith("frame-ancestors")]
        response.headers["Content-Security-Policy"] = "; ".join(directives + [STAFF_FRAME_POLICY])
    else:
        response.headers["Content-Security-Policy"] = f"{policy}; {STAFF_FRAME_POLICY}"
