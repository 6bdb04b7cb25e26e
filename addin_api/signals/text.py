"""Text preparation: keep only what the buyer wrote now (no quoted replies, signatures or disclaimers)."""

from __future__ import annotations

import re

# Where an earlier message starts; everything from here down was written before, by someone else.
_QUOTE_HEADER = re.compile(
    r"^(?:On\b[^\n]{0,300}?(?:\n[^\n]{0,300}?)?\bwrote:[ \t]*$"  # Gmail/Apple Mail, often wrapped
    r"|-{2,}\s*Original Message\s*-{2,}"  # Outlook (plain text)
    r"|_{10,}[ \t]*$"  # Outlook's rule above a forwarded/replied header
    r"|From:[^\n]*\n(?:[^\n]*\n){0,3}?(?:Sent|Date):"  # Outlook/Exchange header block
    r"|-{2,}\s*Forwarded message\s*-{2,})",
    re.MULTILINE | re.IGNORECASE,
)
_SIG_DELIMITER = re.compile(r"^-- ?$", re.MULTILINE)  # RFC 3676 signature separator
_DISCLAIMER = re.compile(
    r"^[ \t]*(?:confidential(?:ity)? notice|disclaimer\b|this (?:e-?mail|message)\b[^\n]{0,60}?"
    r"\b(?:confidential|intended)|the information (?:contained )?in this (?:e-?mail|message)"
    r"|sent from my (?:iphone|ipad|android|mobile))",
    re.MULTILINE | re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:best|best regards|kind regards|warm regards|regards|thanks|thank you|many thanks|thx|cheers"
    r"|sincerely|all the best|talk soon|br)[ \t]*[,.!]?[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
# Words each pattern above cannot match without (lower case): a plain substring test skips most scans.
_QUOTE_HINTS = ("wrote:", "original message", "__________", "from:", "forwarded message")
_DISCLAIMER_HINTS = ("confidential", "disclaimer", "intended", "the information", "sent from my")
_SUBJECT_PREFIX = re.compile(r"^(?:\s*(?:re|fw|fwd|aw|sv|wg)\s*(?:\[\d+\])?:\s*)+", re.IGNORECASE)
_NAME_BLOCK_LINES, _NAME_BLOCK_WIDTH = 6, 80


def prepare(text: str, subject: str = "") -> tuple[str, str]:
    """(subject without Re:/Fwd:, body the buyer wrote now) — quotes, signature and disclaimer removed."""
    body = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    low = body.lower()
    if any(hint in low for hint in _QUOTE_HINTS):
        body = _cut(body, _QUOTE_HEADER)
    if ">" in body:
        body = "\n".join(line for line in body.split("\n") if not line.lstrip().startswith(">"))
    if "--" in body:
        body = _cut(body, _SIG_DELIMITER)
    if any(hint in low for hint in _DISCLAIMER_HINTS):
        body = _cut(body, _DISCLAIMER)
    return _SUBJECT_PREFIX.sub("", subject or "").strip(), _without_sign_off(body).strip()


def _cut(text: str, pattern: re.Pattern) -> str:
    match = pattern.search(text)
    return text[: match.start()] if match else text


def _without_sign_off(body: str) -> str:
    """Drop the last "Thanks,/Best," line when only a short name block follows (a closing, not a thought)."""
    matches = list(_SIGN_OFF.finditer(body))
    if not matches:
        return body
    tail = [line for line in body[matches[-1].end() :].split("\n") if line.strip()]
    if len(tail) <= _NAME_BLOCK_LINES and all(len(line) <= _NAME_BLOCK_WIDTH for line in tail):
        return body[: matches[-1].start()]
    return body
