"""Read-path translation of CRM port errors into the app's errors (writes go through the outbox)."""

from __future__ import annotations

from addin_api.crm.port import CrmAuthError, CrmRejected, CrmUnavailable
from addin_api.errors import Forbidden, ServiceUnavailable, Unprocessable


def crm_call(fn, *args):
    """Call a CRM read; transient failures become 503, auth failures 403 with reason `crm_auth`."""
    try:
        return fn(*args)
    except CrmUnavailable as exc:
        raise ServiceUnavailable(
            "The CRM is not reachable right now. Try again in a moment.", reason="crm_unavailable"
        ) from exc
    except CrmAuthError as exc:
        raise Forbidden("Your CRM connection needs to be renewed.", reason="crm_auth") from exc
    except CrmRejected as exc:
        raise Unprocessable(exc.message, reason="crm_rejected") from exc
