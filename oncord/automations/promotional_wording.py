"""Spot wording that reads like marketing in a message sent as factual.

Factual messages also reach contacts who never said yes to marketing, so an offer hidden in a
reminder would break their trust (and the law in most places). The editor only warns: staff decide.
"""
from __future__ import annotations

import re

# Each pattern is shown to staff as the phrase it matched, so keep them readable.
_PATTERNS = [
    r"\boffers?\b", r"\d+\s*%\s*off\b", r"\b\d+\s*percent\s+off\b", r"\bdiscount(s|ed)?\b", r"\bprices?\b",
    r"\bpricing\b", r"\$\s*\d", r"\bfree\b", r"\bbook\s+(now|today)\b", r"\bspecials?\b", r"\bdeals?\b",
    r"\bsale\b", r"\bpromo(tion|tions|code)?\b", r"\bvouchers?\b", r"\bcoupons?\b", r"\blimited\s+time\b",
    r"\bsave\s+\$?\d", r"\bhalf\s+price\b", r"\bbonus\b",
]
_PROMOTIONAL = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)
_MERGE_TAGS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


def promotional_phrases(*texts: str | None) -> list[str]:
    """The promotional phrases found in the given texts, each once, in the order they appear.

    Merge fields are left out: `{{ appointment.price }}` is a field name, not wording the patient reads.
    """
    found: list[str] = []
    seen: set[str] = set()
    for text in texts:
        for match in _PROMOTIONAL.finditer(_MERGE_TAGS.sub(" ", text or "")):
            phrase = " ".join(match.group(0).split())
            if phrase.lower() not in seen:
                seen.add(phrase.lower())
                found.append(phrase)
    return found
