"""Embed code pasted by staff: Cliniko's booking embed is recognised and kept as given;
anything else is cleaned with an allow-list (nh3) and the editor is told what went.

Cliniko's snippet is an iframe plus an inline resize script. The script is never served:
public pages load our own equivalent listener (static/cliniko-embed.js), which checks the
message's origin, so the site's Content-Security-Policy needs no inline script at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import nh3

CLINIKO_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z]{2}\d{1,2})?\.cliniko\.com$")
CLINIKO_ID = re.compile(r"^cliniko-\d+$")
CLINIKO_IFRAME_ATTRIBUTES = {"id", "src", "frameborder", "scrolling", "width", "height", "style", "title"}
CLINIKO_STYLE = re.compile(r"^\s*pointer-events:\s*auto;?\s*$")
# Cliniko's script, whitespace collapsed; {id} is the iframe's id.
CLINIKO_SCRIPT = (
    "window.addEventListener('message', function handleIFrameMessage (e) { "
    "var clinikoBookings = document.getElementById('{id}'); "
    "if (typeof e.data !== 'string') return; "
    "if (e.data.search('cliniko-bookings-resize') > -1) { "
    "var height = Number(e.data.split(':')[1]); "
    "clinikoBookings.style.height = height + 'px'; } "
    "e.data.search('cliniko-bookings-page') > -1 && clinikoBookings.scrollIntoView(); });"
)
MAX_EMBED_LENGTH = 10_000

# The allow-list for any other embed code. Iframes get no `allow` (camera, microphone,
# geolocation…) and no `referrerpolicy` (`unsafe-url` would hand visitors' full addresses on).
ALLOWED_TAGS = {"iframe", "div", "p", "span", "a", "img", "br", "strong", "em", "b", "i", "h2", "h3", "h4",
                "ul", "ol", "li", "blockquote", "figure", "figcaption"}
ALLOWED_ATTRIBUTES = {
    "iframe": {"src", "width", "height", "title", "allowfullscreen", "loading", "frameborder", "scrolling"},
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "loading"},
}
URL_ATTRIBUTES = {"src", "href"}
REMOVED_WITH_CONTENT = {"script", "style"}
# nh3 serialises attributes in double quotes with `"` escaped, so a start tag ends at the first `>` outside them.
_IFRAME_CONTENT = re.compile(r'(<iframe\b(?:[^>"]|"[^"]*")*>).*?</iframe>', re.IGNORECASE | re.DOTALL)


class EmbedRefused(ValueError):
    """The code cannot be embedded at all; the message is for staff."""


@dataclass(frozen=True)
class ClinikoEmbed:
    src: str
    attributes: dict[str, str]  # the iframe's, validated: render these, never the raw code
    has_script: bool


@dataclass(frozen=True)
class CleanEmbed:
    code: str  # what is stored: Cliniko's code unchanged, or the sanitised HTML
    kind: str  # "cliniko" or "html"
    removed: list[str] = field(default_factory=list)  # for the editor: what the sanitiser took out


def clean_embed(code: str) -> CleanEmbed:
    """Accept Cliniko's embed as given; sanitise anything else; refuse what is left empty."""
    code = (code or "").strip()
    if not code:
        raise EmbedRefused("Paste the embed code.")
    if len(code) > MAX_EMBED_LENGTH:
        raise EmbedRefused(f"Embed code is limited to {MAX_EMBED_LENGTH:,} characters.")
    if parse_cliniko_embed(code) is not None:
        return CleanEmbed(code=code, kind="cliniko")
    removed = _what_will_be_removed(code)
    dropped: list[str] = []
    cleaned = nh3.clean(
        code, tags=ALLOWED_TAGS, clean_content_tags=REMOVED_WITH_CONTENT, attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_url_filter(dropped), url_schemes={"https", "mailto", "tel"},
        link_rel="noopener noreferrer", strip_comments=True,
    ).strip()
    cleaned = _IFRAME_CONTENT.sub(r"\1</iframe>", cleaned)  # raw text a browser ignores: drop it anyway
    removed = _unique(removed + dropped)
    if "<iframe" in cleaned and any(not _has_src(attrs) for attrs in _iframes(cleaned)):
        raise EmbedRefused("Only iframes from https:// addresses can be embedded.")
    if not cleaned:
        raise EmbedRefused("Nothing in this code can be embedded safely" +
                           (f" (removed: {', '.join(removed)})." if removed else "."))
    return CleanEmbed(code=cleaned, kind="html", removed=removed)


def parse_cliniko_embed(code: str) -> ClinikoEmbed | None:
    """Cliniko's online-bookings embed, or None when the code is anything else."""
    parser = _Elements()
    try:
        parser.feed(code)
        parser.close()
    except Exception:  # noqa: BLE001 (html.parser raises little, but never let it through)
        return None
    if parser.stray_text:
        return None
    tags = [tag for tag, _ in parser.elements]
    if tags not in (["iframe"], ["iframe", "script"]):
        return None
    attrs = parser.elements[0][1]
    if not _is_cliniko_iframe(attrs):
        return None
    if len(tags) == 2:
        script_attrs = parser.elements[1][1]
        if set(script_attrs) - {"type"} or script_attrs.get("type", "text/javascript") != "text/javascript":
            return None
        if "id" not in attrs or _collapse(parser.script_text) != CLINIKO_SCRIPT.replace("{id}", attrs["id"]):
            return None
    return ClinikoEmbed(src=attrs["src"], attributes=attrs, has_script=len(tags) == 2)


def embedded_hosts(code: str) -> list[str]:
    """The hosts whose content the (already cleaned) code loads into the page: iframes and images."""
    parser = _Elements()
    try:
        parser.feed(code or "")
        parser.close()
    except Exception:  # noqa: BLE001
        return []
    hosts = (urlsplit(attrs.get("src", "")).hostname for tag, attrs in parser.elements if tag in {"iframe", "img"})
    return _unique([host for host in hosts if host])


def is_cliniko_booking_url(url: str, *, embedded: bool = False) -> bool:
    parts = urlsplit(url or "")
    if parts.scheme != "https" or not CLINIKO_HOST.match(parts.hostname or "") or parts.path.rstrip("/") != "/bookings":
        return False
    if parts.port is not None or parts.username or parts.password:
        return False
    return not embedded or parse_qs(parts.query).get("embedded") == ["true"]


def _is_cliniko_iframe(attrs: dict[str, str]) -> bool:
    if set(attrs) - CLINIKO_IFRAME_ATTRIBUTES or not is_cliniko_booking_url(attrs.get("src", ""), embedded=True):
        return False
    if "id" in attrs and not CLINIKO_ID.match(attrs["id"]):
        return False
    if "style" in attrs and not CLINIKO_STYLE.match(attrs["style"]):
        return False
    sizes = (attrs.get(name, "") for name in ("width", "height", "frameborder"))
    return all(re.fullmatch(r"\d{0,5}%?", value) for value in sizes) and attrs.get("scrolling", "auto") in {"auto", "yes", "no"}


class _Elements(HTMLParser):
    """Every element of a snippet, in order, and whether any text lies outside them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.stray_text = False
        self.script_text = ""
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        if len({name for name, _ in attrs}) != len(attrs):
            self.stray_text = True  # duplicated attributes: not something Cliniko generates
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        self._open = tag

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._open = None

    def handle_endtag(self, tag):
        if tag != self._open:
            self.stray_text = True
        self._open = None

    def handle_data(self, data):
        if self._open == "script":
            self.script_text += data
        elif data.strip():
            self.stray_text = True

    def handle_comment(self, data):
        self.stray_text = True

    def handle_decl(self, decl):
        self.stray_text = True

    def handle_pi(self, data):
        self.stray_text = True


class _Inspector(HTMLParser):
    """Lists what the allow-list will remove, so the editor can say so."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.removed: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.removed.append(f"<{tag}>")
            return
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed and not (tag == "a" and name == "rel"):  # nh3 sets rel itself
                self.removed.append(f"{name} attribute" if not name.startswith("on") else f"{name} event handler")
            elif name in URL_ATTRIBUTES and not _is_allowed_url(name, (value or "").strip()):
                self.removed.append(_url_note(tag, name, (value or "").strip()))

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.removed.append("HTML comment")


def _what_will_be_removed(code: str) -> list[str]:
    inspector = _Inspector()
    try:
        inspector.feed(code)
        inspector.close()
    except Exception:  # noqa: BLE001
        pass
    return inspector.removed


def _url_filter(dropped: list[str]):
    """Keep only absolute https URLs in src (and https/mailto/tel in href)."""

    def check(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in URL_ATTRIBUTES:
            return value
        url = value.strip()
        if _is_allowed_url(attribute, url):
            return url
        dropped.append(_url_note(tag, attribute, url))
        return None

    return check


def _is_allowed_url(attribute: str, url: str) -> bool:
    lowered = url.lower()
    ok = lowered.startswith("https://") or (attribute == "href" and lowered.startswith(("mailto:", "tel:")))
    return ok and not any(ch.isspace() or ord(ch) < 32 for ch in url)


def _url_note(tag: str, attribute: str, url: str) -> str:
    return f"{attribute} of <{tag}> ({_shorten(url)}: not https)"


def _iframes(html: str) -> list[dict[str, str]]:
    parser = _Elements()
    parser.feed(html)
    return [attrs for tag, attrs in parser.elements if tag == "iframe"]


def _has_src(attrs: dict[str, str]) -> bool:
    return attrs.get("src", "").startswith("https://")


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
