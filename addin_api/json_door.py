"""JSON refused at the door: absurd nesting, huge numbers and NaN/Infinity are a 400, never a 500."""

from __future__ import annotations

import json
import math

from flask import request
from flask.json.provider import DefaultJSONProvider
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest as WerkzeugBadRequest

from addin_api.errors import BadRequest

MAX_NUMBER_CHARS = 64  # no field of ours needs more; Python would spend seconds on a 100,000-digit int
NOT_JSON = "The request body is not valid JSON."


def _number(parse):
    def guarded(text: str):
        if len(text) > MAX_NUMBER_CHARS:
            raise ValueError("number too long")
        value = parse(text)
        if not math.isfinite(value):  # 1e400 would become inf
            raise ValueError("number out of range")
        return value

    return guarded


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def loads(data: str | bytes):
    """json.loads that refuses what could hurt: deep nesting, long numbers, NaN and Infinity.

    :raises json.JSONDecodeError: for those and for malformed JSON alike, with no input in the message.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data  # UnicodeDecodeError is a ValueError
    try:
        return json.loads(
            text, parse_int=_number(int), parse_float=_number(float), parse_constant=_no_constant
        )
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError):  # RecursionError: nesting deeper than the interpreter's stack
        raise json.JSONDecodeError("refused JSON value", text[:1] or " ", 0) from None


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with the guarded `loads` (request.get_json goes through it)."""

    sort_keys = False  # keys in schema order: sorting them adds ~15 % to encoding a pipeline page

    def loads(self, s, **kwargs):
        """Parse with the door's limits."""
        return loads(s)


class SafeArgumentsParser(FlaskParser):
    """webargs' Flask parser reading JSON bodies with the same limits (invalid → its 400)."""

    def _raw_load_json(self, req):
        if not req.is_json:
            return super()._raw_load_json(req)
        return loads(req.get_data(cache=True))


def register_json_door(app) -> None:
    """Parse every JSON body before any route or sign-in check sees it; refuse hostile ones with 400."""
    app.json = SafeJSONProvider(app)

    @app.before_request
    def _door():
        if not request.is_json or not request.content_length:
            return
        try:
            request.get_json()  # cached: routes and webargs never parse a refused body again
        except (
            WerkzeugBadRequest
        ):  # not logged: the body is the caller's, and one bad caller could flood logs
            raise BadRequest(NOT_JSON) from None
