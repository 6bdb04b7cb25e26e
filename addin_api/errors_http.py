"""Flask error handlers: every failure leaves as the one JSON error shape, with the right headers."""

from __future__ import annotations

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException

from addin_api.errors import AddinError, Unauthorized, error_body

log = logging.getLogger(__name__)
# webargs reports unreadable JSON as 400 with this message; say it plainly.
_MALFORMED = {"json": ["Invalid JSON body."]}


def register_error_handlers(app) -> None:
    """Install the handlers (after flask-smorest's, so ours win)."""
    app.register_error_handler(AddinError, error_response)
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(Exception, _unexpected)


def error_response(exc: AddinError):
    """The JSON answer to one of our errors (handlers that add details to an error end here too)."""
    details = dict(exc.details)
    challenge = exc.challenge if isinstance(exc, Unauthorized) else details.pop("www_authenticate", None)
    response = jsonify(error_body(exc.status_code, exc.message, exc.errors, **details))
    response.status_code = exc.status_code
    if challenge:
        response.headers["WWW-Authenticate"] = challenge
    return response


def _http_exception(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    errors = data.get("messages")
    message = exc.description if not errors else "The request is not valid."
    if errors == _MALFORMED:
        message = "The request body is not valid JSON."
    if exc.code == 413:
        message = "The request body is too large."
    response = jsonify(error_body(exc.code or 500, message, errors))
    response.status_code = exc.code or 500
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


def _unexpected(exc: Exception):
    log.exception("unhandled error")  # traceback only: request bodies and headers are never logged
    response = jsonify(
        error_body(500, "Something went wrong on our side. Your change was not lost if it said saved.")
    )
    response.status_code = 500
    return response
