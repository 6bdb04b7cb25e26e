"""Idempotency-Key for POST/PATCH: a retry by the same user replays the first response, no second write."""

from __future__ import annotations

import hashlib

from flask import g, jsonify, request

from addin_api.errors import Unprocessable
from addin_api.state import get_state

HEADER = "Idempotency-Key"
REPLAYABLE = {200, 201, 202, 409, 422}


def request_key() -> str | None:
    """The validated key of a mutating request, or None."""
    key = request.headers.get(HEADER)
    if key is None or request.method not in {"POST", "PATCH"}:
        return None
    if not 1 <= len(key) <= 200:
        raise Unprocessable("Idempotency-Key must be 1 to 200 characters.")
    return key


def replay_if_seen():
    """before_request: answer a repeated key from the store (or refuse a key reused for another request)."""
    key = request_key()
    g.idempotency = None
    if key is None:
        return None
    fingerprint = _fingerprint()
    record = get_state().idempotency.find(g.principal.key, key)
    if record is None:
        g.idempotency = (key, fingerprint)
        return None
    if record.request_hash != fingerprint:
        raise Unprocessable("This Idempotency-Key was already used for a different request.")
    reply = jsonify(record.body)
    reply.status_code = record.status_code
    reply.headers["Idempotent-Replayed"] = "true"
    return reply


def remember(response):
    """after_request: store the first answer to a keyed request."""
    pending = getattr(g, "idempotency", None)
    if pending and response.status_code in REPLAYABLE and response.is_json:
        key, fingerprint = pending
        get_state().idempotency.save(
            g.principal.key, key, fingerprint, response.status_code, response.get_json()
        )
    return response


def _fingerprint() -> str:
    body = request.get_data(cache=True) or b""
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + body).hexdigest()
