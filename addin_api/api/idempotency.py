"""Idempotency-Key for POST/PATCH: a retry by the same user replays the first response, no second write."""

from __future__ import annotations

import hashlib

from flask import g, jsonify, request

from addin_api.errors import Conflict, Unprocessable
from addin_api.state import get_state

HEADER = "Idempotency-Key"
# Answers that say what happened to the request (saved, queued, parked, refused): a retry gets the same.
REPLAYABLE = {200, 201, 202, 403, 404, 409, 422}


def request_key() -> str | None:
    """The validated key of a mutating request, or None."""
    key = request.headers.get(HEADER)
    if key is None or request.method not in {"POST", "PATCH"}:
        return None
    if not 1 <= len(key) <= 200:
        raise Unprocessable("Idempotency-Key must be 1 to 200 characters.")
    return key


def replay_if_seen():
    """before_request: reserve the key, or replay its first answer (409 while that request still runs)."""
    key = request_key()
    g.idempotency = None
    if key is None:
        return None
    fingerprint = _fingerprint()
    record = get_state().idempotency.reserve(g.principal.key, key, fingerprint)
    if record is None:
        g.idempotency = (key, fingerprint)
        return None
    if record.request_hash != fingerprint:
        raise Unprocessable("This Idempotency-Key was already used for a different request.")
    if record.status_code is None:
        raise Conflict("This request is still being processed. Try again in a moment.", reason="in_progress")
    reply = jsonify(record.body)
    reply.status_code = record.status_code
    reply.headers["Idempotent-Replayed"] = "true"
    return reply


def remember(response):
    """after_request: store the answer to a keyed request, or free the key when it is not worth replaying."""
    pending = getattr(g, "idempotency", None)
    if pending:
        key, _ = pending
        store = get_state().idempotency
        if response.status_code in REPLAYABLE and response.is_json:
            store.finish(g.principal.key, key, response.status_code, response.get_json())
        else:  # e.g. 500 or 503: nothing happened that a retry could repeat, so let it run again
            store.cancel(g.principal.key, key)
        g.idempotency = None
    return response


def _fingerprint() -> str:
    body = request.get_data(cache=True) or b""
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + body).hexdigest()
