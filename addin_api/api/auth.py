"""Bearer-token authentication for every /api/v1 request; the rep ends up in `g.principal`."""

from __future__ import annotations

from flask import g, request

from addin_api.domain import Principal
from addin_api.state import get_state


def authenticate() -> None:
    """Validate the Entra access token (before_request hook); raises 401/403, never skips."""
    from addin_api.auth.entra import EntraValidator, bearer_token  # its key cache is built on first use

    state = get_state()
    if state.settings.dev_idp:  # demo-issued tokens are honoured only on this machine
        from addin_api.auth.devidp import require_loopback_request

        require_loopback_request()
    validator = state.lazy("entra", lambda: EntraValidator(state.settings, state.http))
    g.access_token = bearer_token(request.headers.get("Authorization"))  # kept for on-behalf-of, never logged
    g.principal = validator.validate(g.access_token)


def current_rep() -> Principal:
    """The authenticated rep of this request."""
    return g.principal
