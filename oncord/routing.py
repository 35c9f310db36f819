"""Request shapes the database cannot take, refused before any view sees them.

- Ids: every table's key is a 32-bit integer on PostgreSQL (64-bit on SQLite), so an `<int:...>`
  part of a URL above 2^31 - 1 names nothing. It is a 404, where it used to crash the query.
- NUL characters: PostgreSQL cannot store them in text and a browser never types one. Any
  request with a NUL in its address, query string, form fields or JSON gets a 400 that says
  so, rather than stripping it silently and saving something other than what was sent.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1  # PostgreSQL `integer`, the type of every primary key
NUL = "\x00"
NUL_REFUSED = "Text can't contain the NUL character (an invisible character, usually from a bad copy and paste). Remove it and try again."


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` with a ceiling: a number no row can have does not match the route (404).

    The ceiling is in the pattern, not only in `to_python`: Werkzeug answers 405 instead of 404
    when a path matches one method's rule and then fails conversion in another's.
    """

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        max = LARGEST_ID if max is None else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        if not signed and not fixed_digits:
            self.regex = digits_up_to(max)


def digits_up_to(limit: int) -> str:
    """A regular expression for the whole numbers 0 to `limit` (leading zeros allowed)."""
    text = str(limit)
    alternatives = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for position, digit in enumerate(map(int, text)):
        if digit:  # this many digits, equal so far and lower here: the rest may be anything
            alternatives.append(rf"{text[:position]}[0-{digit - 1}]\d{{{len(text) - position - 1}}}")
    alternatives.append(text)
    return "0*(?:" + "|".join(alternatives) + ")"


def contains_nul(value: Any) -> bool:
    """Whether a NUL hides anywhere in `value`: strings, dict keys and values, lists, MultiDicts."""
    if isinstance(value, str):
        return NUL in value
    if hasattr(value, "lists"):  # werkzeug MultiDict: every value of every key
        return any(contains_nul(key) or contains_nul(values) for key, values in value.lists())
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_nul(item) for item in value)
    return False


def refuse_nul_characters():
    parts = [request.path, request.args]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        parts.append(request.form)
        if request.is_json:
            parts.append(request.get_json(silent=True))
    if any(contains_nul(part) for part in parts):
        abort(400, description=NUL_REFUSED)


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered: routes pick their converters when added."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_nul_characters)
