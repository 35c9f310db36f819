"""Page blocks: the elements of the Insert panel, their settings, and how each is checked.

A block is a plain dict with a "type"; `clean_block` is the only way one gets stored, both when
staff click Apply and again on Save (the browser's JSON is never trusted).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from oncord.website import embeds


@dataclass(frozen=True)
class BlockType:
    name: str
    label: str
    description: str
    defaults: dict[str, Any]


BLOCK_TYPES = {t.name: t for t in [
    BlockType("heading", "Heading", "A title for a section", {"text": "A heading", "level": 2}),
    BlockType("text", "Text", "Paragraphs of plain text", {"text": "Write something about your clinic."}),
    BlockType("image", "Image", "A picture from an https address", {"url": "", "alt": ""}),
    BlockType("button", "Button", "A link styled as a button", {"label": "Learn more", "url": "", "style": "primary"}),
    BlockType("booknow", "Book Now button", "Links to your Cliniko online bookings",
              {"label": "Book now", "url": "", "style": "primary"}),
    BlockType("embed", "EMBED", "Cliniko's booking calendar or other embed code", {"code": "", "kind": "", "removed": []}),
]}
STYLES = {"primary": "Filled", "secondary": "Outline"}
LEVELS = {1: "Large", 2: "Medium", 3: "Small"}
MAX_TEXT = 5_000
MAX_BLOCKS = 100
# A page's elements as stored (compact JSON, UTF-8). Far above any real page, and it keeps
# a save (and the editor that echoes it) small: a 5 MB post once came back as 15 MB.
MAX_PAGE_BYTES = 512 * 1024


class BlockError(ValueError):
    """A block's settings are wrong: `errors` maps a setting to what staff should fix."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class PageTooLarge(BlockError):
    """The page's elements together pass MAX_PAGE_BYTES."""

    def __init__(self, size: int | None):
        super().__init__({"blocks": too_large_message(size)})
        self.size = size


def too_large_message(size: int | None) -> str:
    measured = f" ({_kb(size)} KB)" if size else ""
    return (f"This page is too large{measured}; the limit is {_kb(MAX_PAGE_BYTES)} KB. "
            "Remove some elements or shorten long texts, then Save.")


def page_size(items: list[dict[str, Any]]) -> int:
    """Bytes of the elements as stored; page-editor.js measures the same way before it saves."""
    return len(json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def new_block(type_name: str) -> dict[str, Any]:
    block_type = BLOCK_TYPES.get(type_name)
    if block_type is None:
        raise BlockError({"type": f"Unknown element {type_name!r}."})
    return {"type": type_name, **block_type.defaults}


def clean_block(raw: Any) -> dict[str, Any]:
    """A stored block from settings as posted; raises BlockError with per-setting messages."""
    if not isinstance(raw, dict) or raw.get("type") not in BLOCK_TYPES:
        raise BlockError({"type": "Unknown element."})
    block, errors = _cleaned_settings(raw)
    if errors:
        raise BlockError(errors)
    return block


def editable_block(raw: Any) -> dict[str, Any] | None:
    """A posted block to show again in the editor after a refused save: cleaned as for saving,
    with each refused setting emptied (a `javascript:` link never comes back live).
    Embed code is kept for staff to fix: it is cleaned again whenever it is rendered."""
    if not isinstance(raw, dict) or raw.get("type") not in BLOCK_TYPES:
        return None
    block, errors = _cleaned_settings(raw)
    for name in errors:
        if name in block and name != "code":
            block[name] = ""
    return block


def _cleaned_settings(raw: dict) -> tuple[dict[str, Any], dict[str, str]]:
    kind = raw["type"]
    errors: dict[str, str] = {}
    text = lambda name, limit=200: _text(raw, name, limit)  # noqa: E731
    if kind == "heading":
        block = {"text": text("text"), "level": _choice(raw.get("level"), LEVELS, 2)}
        if not block["text"]:
            errors["text"] = "Write the heading."
    elif kind == "text":
        block = {"text": text("text", MAX_TEXT)}
        if not block["text"]:
            errors["text"] = "Write some text."
    elif kind == "image":
        block = {"url": text("url", 500), "alt": text("alt")}
        if not _is_https(block["url"]):
            errors["url"] = "Use an image address starting with https://."
    elif kind == "button":
        block = {"label": text("label", 80), "url": text("url", 500), "style": _choice(raw.get("style"), STYLES, "primary")}
        if not block["label"]:
            errors["label"] = "Give the button a label."
        if not (_is_https(block["url"]) or _is_local_path(block["url"])):
            errors["url"] = "Use an https:// address or a path on this site such as /about."
    elif kind == "booknow":
        block = {"label": text("label", 80) or "Book now", "url": text("url", 500),
                 "style": _choice(raw.get("style"), STYLES, "primary")}
        if block["url"] and not _is_https(block["url"]):
            errors["url"] = "Use an https:// address, or leave empty for the one in Settings > Integrations."
    else:
        block = _clean_embed(raw, errors)
    return {"type": kind, **block}, errors


def clean_blocks(raw: Any) -> list[dict[str, Any]]:
    """A whole page's blocks; the first bad one raises, naming its position."""
    if not isinstance(raw, list):
        raise BlockError({"blocks": "The page's elements could not be read."})
    if len(raw) > MAX_BLOCKS:
        raise BlockError({"blocks": f"A page holds at most {MAX_BLOCKS} elements."})
    cleaned = []
    for position, item in enumerate(raw, start=1):
        try:
            cleaned.append(clean_block(item))
        except BlockError as exc:
            label = BLOCK_TYPES[item["type"]].label if isinstance(item, dict) and item.get("type") in BLOCK_TYPES else "Element"
            raise BlockError({"blocks": f"{label} #{position}: {' '.join(exc.errors.values())}"}) from exc
    if (size := page_size(cleaned)) > MAX_PAGE_BYTES:
        raise PageTooLarge(size)
    return cleaned


def booking_href(block: dict[str, Any], booking_url: str | None) -> str | None:
    """Where a Book Now button goes: its own URL, else the clinic's, else nowhere yet."""
    for url in (block.get("url"), booking_url):
        if url and _is_https(url):
            return url
    return None


def button_href(block: dict[str, Any]) -> str | None:
    """Where a Button goes, only if it is an address a saved block could hold."""
    url = block.get("url")
    return url if isinstance(url, str) and (_is_https(url) or _is_local_path(url)) else None


def cliniko_embed(block: dict[str, Any]) -> embeds.ClinikoEmbed | None:
    if block.get("type") != "embed" or block.get("kind") != "cliniko":
        return None
    return embeds.parse_cliniko_embed(block.get("code", ""))


def embed_hosts(block: dict[str, Any]) -> list[str]:
    """Other websites an EMBED element shows content from, as it would be rendered."""
    if block.get("type") != "embed":
        return []
    if cliniko := cliniko_embed(block):
        return [urlsplit(cliniko.src).hostname]
    return embeds.embedded_hosts(embed_html(block.get("code") or ""))


def embedded_hosts(items: list[dict[str, Any]]) -> list[str]:
    """Every host the page's EMBED elements load content from, for the editor to list."""
    return list(dict.fromkeys(host for block in items for host in embed_hosts(block)))


def book_now_blocks(connection) -> list[dict[str, Any]] | None:
    """A ready Book Now page: the clinic's booking embed, else a button to its booking URL."""
    embed_code = connection.booking_embed_code if connection else None
    booking_url = connection.booking_url if connection else None
    if not embed_code and not booking_url:
        return None
    content = [{"type": "heading", "text": "Book an appointment", "level": 1},
               {"type": "text", "text": "Choose a practitioner and a time that suits you. "
                                        "You will get a confirmation by email."}]
    if embed_code:
        try:
            return content + [clean_block({"type": "embed", "code": embed_code})]
        except BlockError:
            if not booking_url:
                raise
    return content + [{"type": "booknow", "label": "Book now", "url": "", "style": "primary"}]


def embed_html(code: str) -> str:
    """Generic embed HTML as it may be rendered: cleaned again, whatever its origin."""
    try:
        return embeds.clean_embed(code).code if embeds.parse_cliniko_embed(code) is None else ""
    except embeds.EmbedRefused:
        return ""


def _clean_embed(raw: dict, errors: dict[str, str]) -> dict[str, Any]:
    code = raw.get("code") if isinstance(raw.get("code"), str) else ""
    try:
        result = embeds.clean_embed(code)
    except embeds.EmbedRefused as exc:
        errors["code"] = str(exc)
        return {"code": code, "kind": "", "removed": []}
    return {"code": result.code, "kind": result.kind, "removed": result.removed}


def _kb(size: int) -> str:
    return f"{-(-size // 1024):,}"


def _text(raw: dict, name: str, limit: int) -> str:
    value = raw.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _choice(value: Any, options: dict, default):
    for option in options:
        if str(option) == str(value):
            return option
    return default


def _is_https(url: str) -> bool:
    return url.lower().startswith("https://") and len(url) > len("https://") and not any(c.isspace() for c in url)


def _is_local_path(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//") and "\\" not in url and not any(c.isspace() for c in url)
