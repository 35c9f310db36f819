"""Where a `next` parameter may send someone after signing in: only a path on this site.

Browsers are lenient with the `Location` they follow: they drop tabs and newlines anywhere,
trim control characters and spaces, read `\\` as `/`, and take `//host` or `https:host` as
another site. So anything a browser could "repair" into another site is refused outright,
instead of being repaired here in a way that might differ from some browser's.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit


def safe_next_path(target: str | None) -> str | None:
    """`target` when it can only mean a path on this site, else None."""
    if not target or len(target) > 2000 or not _is_plain_local_path(target):
        return None
    # The path also as a server or proxy that decodes it once would read it (`/%2F%2Fhost`).
    # The query cannot change where a browser goes, so `?q=Mia%20Smith` stays welcome.
    if not _is_plain_local_path(unquote(urlsplit(target).path)):
        return None
    return target


def _is_plain_local_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return False
    # Control characters (tab, CR, LF, NUL...), format characters and every kind of space.
    if any(unicodedata.category(char)[0] in "CZ" for char in value):
        return False
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return False
    # No `//` and no dot segments: `/.//host` collapses to `//host` in some readers.
    segments = parts.path.split("/")[1:]
    return "" not in segments[:-1] and not {".", ".."} & set(segments)
