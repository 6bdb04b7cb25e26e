"""Logging set-up: one line per event, and a filter that keeps secrets out of every record."""

from __future__ import annotations

import logging
import re

# Bearer tokens, JWTs and OAuth fields must never be written, whatever a library logs.
_SECRET = re.compile(
    r"(Bearer\s+)[A-Za-z0-9._~+/=-]+|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
    r"|((?:access|refresh|id)_token|client_secret|assertion|code)=([^&\s]+)"
)


def redact(text: str) -> str:
    """Replace tokens and secrets in a string with a marker."""
    return _SECRET.sub(
        lambda m: (m.group(1) or (m.group(2) + "=" if m.group(2) else "")) + "[redacted]", text
    )


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


class RedactingFormatter(logging.Formatter):
    """Also redacts tracebacks and stack text, which a message filter never sees."""

    def formatException(self, ei) -> str:
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact(super().formatStack(stack_info))


def configure_logging(level: str) -> None:
    """Root logging with the redacting filter on every handler (idempotent)."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    root.setLevel(level.upper())
