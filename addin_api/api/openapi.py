"""The OpenAPI document's frame: bearer sign-in on every operation, errors in the shape they are served."""

from __future__ import annotations

from flask_smorest import Api

from addin_api.api.schemas import ErrorResponseSchema

# Every /api/v1 operation needs an Entra access token (the OpenAPI document itself is not an operation).
SPEC_OPTIONS = {
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    },
    "security": [{"bearerAuth": []}],
}


class AddinApi(Api):
    """flask-smorest's Api documenting its default and 422 errors with the app's one error shape."""

    ERROR_SCHEMA = ErrorResponseSchema
