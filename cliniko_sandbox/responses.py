"""Cliniko's response shapes shared by `/v1` and `/_sandbox`: JSON bodies, bare 204s,
`{"message": ...}` errors, request bodies read as Cliniko reads them, page links."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def no_content() -> Response:
    """204: no body, so no Content-Type either (RFC 9110 §15.3.5)."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def message(text: str, status: int) -> Response:
    return json_response({"message": text}, status)


class BadBody(Exception):
    """A body Cliniko cannot read at all (400), as opposed to invalid fields (422)."""


def read_body(request: Request) -> dict[str, Any]:
    """Cliniko ignores bodies not sent as JSON, which then fail as "can’t be blank"."""
    if request.mimetype != "application/json":
        return {}
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadBody("There was a problem in the JSON you submitted") from None
    if not isinstance(body, dict):
        raise BadBody("must be an object")
    return body


def page_links(request: Request, base: str, page: int, per_page: int, total: int
                ) -> dict[str, str]:
    """Absolute URLs keeping the caller's query, with `page` first as Cliniko writes them."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    path = request.path.removeprefix("/v1")

    def url(number: int) -> str:
        return f"{base}{path}?{urlencode([('page', number), *kept])}"

    links = {"self": url(page)}
    if page > 1:
        links["previous"] = url(page - 1)
    if page * per_page < total:
        links["next"] = url(page + 1)
    return links
