"""SMS text: the merged body, the opt-out wording marketing SMS end with, and what it costs in segments.

A segment is what carriers bill. Text in the GSM-7 alphabet fits 160 septets in one segment, 153 per
segment once split (7 go to the joining header); the extension characters ^{}\\[~]|€ take two
septets. One character outside GSM-7 (an emoji, curly quotes) makes the whole message UCS-2:
70 UTF-16 code units in one segment, 67 per segment once split. Characters are never split across
segments, so segments are filled one character at a time.
"""
from __future__ import annotations

from dataclasses import dataclass

from oncord.messaging.merge_fields import MergeContext, Mode, render

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
DEFAULT_OPT_OUT_WORDING = "Reply STOP to opt out"


@dataclass(frozen=True, slots=True)
class SmsCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2): what the limits count
    segments: int
    single_limit: int  # 160 or 70
    segment_limit: int  # 153 or 67

    @property
    def limit(self) -> int:
        """Units that fit in the segments used (what "120 / 160" shows)."""
        return self.single_limit if self.segments <= 1 else self.segments * self.segment_limit


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count_segments(text: str) -> SmsCount:
    if is_gsm7(text):
        encoding, single, per_segment = "GSM-7", 160, 153
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    else:
        encoding, single, per_segment = "UCS-2", 70, 67
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # astral characters are surrogate pairs
    units = sum(sizes)
    if units <= single:
        return SmsCount(encoding, units, 1 if units else 0, single, per_segment)
    segments, used = 1, 0
    for size in sizes:
        if used + size > per_segment:
            segments, used = segments + 1, 0
        used += size
    return SmsCount(encoding, units, segments, single, per_segment)


def with_opt_out(body: str, wording: str = DEFAULT_OPT_OUT_WORDING) -> str:
    """`body` ending with the opt-out wording (once, even if staff already wrote it)."""
    body, wording = body.rstrip(), wording.strip()
    if not wording or body.lower().endswith(wording.lower()):
        return body
    return f"{body}\n{wording}" if body else wording


def render_sms(source: str, context: MergeContext, *, marketing: bool,
               opt_out_wording: str = DEFAULT_OPT_OUT_WORDING) -> str:
    """The text as sent: merge fields filled in, and for marketing the opt-out wording at the end."""
    body = render(source, context, Mode.TEXT).strip()
    return with_opt_out(body, opt_out_wording) if marketing else body
