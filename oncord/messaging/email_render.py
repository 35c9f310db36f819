"""Email: a Markdown body with merge fields, laid out in the clinic's branded HTML with CSS inlined,
and a plain-text part made from the same source.

Merge fields are filled in first, with values escaped for Markdown (a patient's name cannot add a
link); then markdown-it renders with raw HTML off and only http(s) and mailto links. The layout is
a table-based template (Gmail and Outlook ignore most modern CSS) whose styles `css-inline` moves
onto the elements. Takes plain `Branding`/`SenderIdentity` values, so it runs without the app.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import css_inline
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from oncord.messaging.merge_fields import MergeContext, Mode, TemplateError, render

DEFAULT_ACCENT = "#2f6f62"
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_SAFE_LINK = ("http://", "https://", "mailto:")
_LAYOUTS = Path(__file__).resolve().parent.parent / "templates" / "messaging"


def is_hex_colour(value: str) -> bool:
    return bool(_HEX_COLOUR.match(value or ""))


@dataclass(frozen=True, slots=True)
class Branding:
    clinic_name: str
    logo_url: str = ""
    accent_colour: str = DEFAULT_ACCENT

    def __post_init__(self):
        if not is_hex_colour(self.accent_colour):
            raise ValueError(f"The accent colour must be written like #2f6f62, not “{self.accent_colour}”.")
        if self.logo_url and not self.logo_url.startswith("https://"):
            raise ValueError("The logo's address must start with https://.")


@dataclass(frozen=True, slots=True)
class SenderIdentity:
    """Who sends: every email names them (Australia's Spam Act)."""

    clinic_name: str
    postal_address: str = ""
    phone: str = ""
    website: str = ""


@dataclass(frozen=True, slots=True)
class EmailSource:
    subject: str
    preheader: str
    body: str  # Markdown with merge fields


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = lambda url: url.strip().lower().startswith(_SAFE_LINK)
    return md


_MD = _markdown()
# Media queries stay in a <style> for the clients that read them; nothing is fetched from the web.
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


@lru_cache(maxsize=1)
def _layouts() -> Environment:
    return Environment(loader=FileSystemLoader(_LAYOUTS), autoescape=select_autoescape(default=True))


def render_email(source: EmailSource, context: MergeContext, branding: Branding, sender: SenderIdentity,
                 *, marketing: bool) -> RenderedEmail:
    """Subject, HTML and text ready for an EmailDraft. Marketing needs `context.unsubscribe_url`."""
    if marketing and not context.unsubscribe_url:
        raise TemplateError("A marketing email needs an unsubscribe link.")
    subject = " ".join(render(source.subject, context, Mode.TEXT).split())  # one line: no header injection
    preheader = " ".join(render(source.preheader, context, Mode.TEXT).split())
    tokens = _MD.parse(render(source.body, context, Mode.MARKDOWN))  # parsed once, for both parts
    body_html = Markup(_MD.renderer.render(tokens, _MD.options, {}))
    html = _layouts().get_template("email.html").render(
        subject=subject, preheader=preheader, body=body_html, branding=branding, sender=sender,
        unsubscribe_url=context.unsubscribe_url if marketing else "")
    text = _text_of(tokens) + "\n\n" + _text_footer(sender, context.unsubscribe_url if marketing else "")
    return RenderedEmail(subject=subject, html=_INLINER.inline(html), text=text)


def markdown_to_text(markdown: str) -> str:
    """Plain text from Markdown: paragraphs, "- " and "1." lists, and links as "text (url)"."""
    return _text_of(_MD.parse(markdown))


def _text_of(tokens) -> str:
    blocks: list[str] = []
    markers: list = []  # one per open list: "-" or the next number
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            if not markers:
                blocks.append("")  # a list is one block, its items one per line
            markers.append("-" if token.type == "bullet_list_open" else int(token.attrGet("start") or 1))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            markers.pop()
        elif token.type == "list_item_open":
            marker = markers[-1]
            if isinstance(marker, int):
                markers[-1] = marker + 1
                marker = f"{marker}."
            line = "  " * (len(markers) - 1) + f"{marker} "
            blocks[-1] += ("\n" if blocks[-1] else "") + line
        elif token.type == "inline":
            text = _inline_text(token.children or [])
            if markers:
                blocks[-1] += text if blocks[-1].endswith(" ") else "\n" + "  " * len(markers) + text
            else:
                blocks.append(text)
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.rstrip("\n"))
        elif token.type == "hr":
            blocks.append("----")
    return "\n\n".join(block for block in blocks if block).strip()


def _inline_text(children) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            links.append((child.attrGet("href") or "", len(parts)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            label = "".join(parts[start:])
            if href and label.strip() != href and "mailto:" + label.strip() != href:
                parts.append(f" ({href})")
        elif child.type == "image":
            alt = child.content or ""
            parts.append(f"{alt} ({child.attrGet('src')})" if alt else "")
    return "".join(parts)


def _text_footer(sender: SenderIdentity, unsubscribe_url: str) -> str:
    lines = ["--", sender.clinic_name, sender.postal_address, sender.phone, sender.website]
    if unsubscribe_url:
        lines.append(f"Unsubscribe: {unsubscribe_url}")
    return "\n".join(line for line in lines if line)
