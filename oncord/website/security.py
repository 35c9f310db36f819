"""Security headers: a strict CSP for the public site, and one for staff pages, which show data
from Cliniko and so must never run a script that came in with it.

Public pages run no inline script: Cliniko's resize snippet is replaced by our own listener
in static/cliniko-embed.js, so `script-src 'self'` suffices and no hash or nonce is needed.
Frames may come from any https source (embeds are allow-listed https iframes) and the
clinic's Cliniko host is named explicitly so the policy documents it.

Staff pages get `script-src 'self'` too: scripts are static files, confirmations use
`data-confirm` (static/confirm.js), and htmx runs with `allowEval: false`. The one exception is
the RQ dashboard at /jobs/ (admins only): a third-party UI with an inline script, named by its
hash, and underscore templates, which need `'unsafe-eval'`.
"""
from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request

PUBLIC_BLUEPRINT = "public_site"
RQ_DASHBOARD_BLUEPRINT = "rq_dashboard"
STAFF_FRAME_POLICY = "frame-ancestors 'none'"
# Executable inline scripts (no src, no non-JavaScript type such as text/template).
_INLINE_SCRIPT = re.compile(
    rb"<script\b(?![^>]*\bsrc\s*=)(?![^>]*\btype\s*=\s*[\"']?text/template)[^>]*>(.*?)</script\s*>",
    re.IGNORECASE | re.DOTALL)


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


def staff_csp(script_sources: list[str] | tuple[str, ...] = ()) -> str:
    """Scripts only from our own files (plus `script_sources`); no plugins, no <base>, forms post
    here. Styles, images and frames stay open: the page editor previews https images and embeds."""
    directives = {
        "script-src": ["'self'", *script_sources],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP hash sources for each inline script in `html`, as the browser computes them."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
            for body in dict.fromkeys(_INLINE_SCRIPT.findall(html))]


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
        if request.blueprint == RQ_DASHBOARD_BLUEPRINT:
            _apply_rq_dashboard_policy(response)
        elif request.blueprint != PUBLIC_BLUEPRINT:  # staff pages, login, errors: never framed
            _forbid_framing(response)
        return response


def _apply_rq_dashboard_policy(response: Response) -> None:
    hashes = inline_script_hashes(response.get_data()) if response.mimetype == "text/html" else []
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = staff_csp([*hashes, "'unsafe-eval'"])


def _forbid_framing(response: Response) -> None:
    response.headers["X-Frame-Options"] = "DENY"
    policy = response.headers.get("Content-Security-Policy")
    if not policy:
        response.headers["Content-Security-Policy"] = staff_csp()
    elif "frame-ancestors" in policy:  # the staff preview of a page: the public policy, never framed
        directives = [d.strip() for d in policy.split(";") if d.strip() and not d.strip().startswith("frame-ancestors")]
        response.headers["Content-Security-Policy"] = "; ".join(directives + [STAFF_FRAME_POLICY])
    else:
        response.headers["Content-Security-Policy"] = f"{policy}; {STAFF_FRAME_POLICY}"
