"""One error tree and one JSON error shape: {"code", "status", "message", "errors"?, ...details}."""

from __future__ import annotations

from http import HTTPStatus


class AddinError(Exception):
    """Base of every error a route may surface; subclasses fix the HTTP status."""

    status_code = 500

    def __init__(self, message: str = "", *, errors: dict | None = None, **details):
        super().__init__(message)
        self.message = message or HTTPStatus(self.status_code).phrase
        self.errors = errors
        self.details = details


class BadRequest(AddinError):
    """The request cannot be read (malformed JSON, missing header)."""

    status_code = 400


class Unauthorized(AddinError):
    """No valid access token; `challenge` becomes the WWW-Authenticate header."""

    status_code = 401

    def __init__(
        self, message: str = "sign-in required", *, challenge: str = 'Bearer error="invalid_token"', **kw
    ):
        super().__init__(message, **kw)
        self.challenge = challenge


class Forbidden(AddinError):
    """Signed in, but not allowed (missing scope, deal owned by someone else)."""

    status_code = 403


class NotFound(AddinError):
    """No such deal, change or resource (or not visible to this rep)."""

    status_code = 404


class Conflict(AddinError):
    """The deal changed since the rep loaded it; details carry yours/theirs."""

    status_code = 409


class PayloadTooLarge(AddinError):
    """The request body exceeds ADDIN_MAX_REQUEST_BYTES."""

    status_code = 413


class Unprocessable(AddinError):
    """Valid JSON that breaks a rule (per-field `errors`) or that the CRM refused (its message)."""

    status_code = 422


class ServiceUnavailable(AddinError):
    """A dependency is down and nothing was recorded; safe to retry."""

    status_code = 503


def error_body(status: int, message: str, errors: dict | None = None, **details) -> dict:
    """The single JSON error shape every route and handler returns."""
    body = {"code": status, "status": HTTPStatus(status).phrase, "message": message}
    if errors:
        body["errors"] = errors
    body.update(details)
    return body
