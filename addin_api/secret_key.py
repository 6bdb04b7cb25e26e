"""How strong ADDIN_SECRET_KEY must be: at least 32 random bytes, in whatever text form the admin made it."""

from __future__ import annotations

import base64
import binascii
import re

MIN_BYTES = 32
MIN_DISTINCT_BYTES = 16  # 32 random bytes have ~30 distinct values; a repeated pattern has a handful
MIN_CHARS = 43  # the length of 32 bytes in base64 without padding
MIN_DISTINCT_CHARS = 16
HOW_TO_MAKE = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


def _decoded(key: str) -> bytes | None:
    """The bytes of a hex, base64 or base64url key; None if it is none of these."""
    text = key.strip()
    try:
        if len(text) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in text):
            return bytes.fromhex(text)
        if _BASE64.match(text):
            unpadded = text.rstrip("=").replace("-", "+").replace("_", "/")
            return base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True)
    except (ValueError, binascii.Error):
        return None
    return None


def is_strong(key: str) -> bool:
    """True if the key plausibly carries ≥ 32 random bytes (decoded, or as a long varied string)."""
    raw = _decoded(key)
    if raw is not None and len(raw) >= MIN_BYTES and len(set(raw)) >= MIN_DISTINCT_BYTES:
        return True
    return len(key) >= MIN_CHARS and len(set(key)) >= MIN_DISTINCT_CHARS
