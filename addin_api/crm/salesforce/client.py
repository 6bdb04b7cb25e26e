"""Salesforce REST over one pooled requests session: timeouts, API version and error table in one place.

Docs: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from addin_api.crm.port import CrmAuthError, CrmError, CrmNotFound, CrmRejected, CrmUnavailable

log = logging.getLogger(__name__)

API_VERSION = "v67.0"  # Summer '26; one constant so an upgrade is a one-line change
DATA_PATH = f"/services/data/{API_VERSION}"
MAX_SUBREQUESTS = 25  # /composite limit (of which at most 5 queries)

# errorCode → port error; anything not listed is a permanent refusal carrying Salesforce's message.
TRANSIENT_CODES = {"REQUEST_LIMIT_EXCEEDED", "UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"}
NOT_FOUND_CODES = {"ENTITY_IS_DELETED", "NOT_FOUND", "MALFORMED_ID"}
HALTED_CODE = "PROCESSING_HALTED"  # a composite sibling rolled back because another subrequest failed
USAGE_WARNING = 0.8  # share of the org's daily API limit past which the log warns
USAGE_WARNING_EVERY = 300.0  # seconds between repeated warnings while usage stays high


class SessionExpired(CrmAuthError):
    """401 INVALID_SESSION_ID: the access token is no longer valid; re-mint or refresh once."""


class InvalidGrant(CrmAuthError):
    """OAuth `invalid_grant`: the refresh token (or code, or assertion) is revoked, expired or unknown."""


class DuplicateValue(CrmRejected):
    """DUPLICATE_VALUE: a unique field (our message key) already holds this value."""


@dataclass(frozen=True)
class SfSession:
    """An access token acting as one rep, the org's API host and the rep's Salesforce user id."""

    access_token: str
    instance_url: str
    user_id: str = ""
    borrowed: bool = field(default=False, compare=False)  # taken from the shared cache, not minted here


@dataclass(frozen=True)
class SubResult:
    """One /composite subrequest result."""

    ref: str
    status: int
    body: Any
    headers: dict


def error_for(status: int, body: Any) -> CrmError:
    """Translate a Salesforce error response (status + error array) into a port error."""
    code, message = first_error(body)
    if status == 401 or code == "INVALID_SESSION_ID":
        return SessionExpired(message or "Salesforce session expired")
    if code in TRANSIENT_CODES or status == 429 or status >= 500:
        return CrmUnavailable(message or f"Salesforce is unavailable ({status})")
    if code == "DUPLICATE_VALUE":
        return DuplicateValue(message)
    if status == 404 or code in NOT_FOUND_CODES:
        return CrmNotFound(message or "not found in Salesforce")
    return CrmRejected(message or f"Salesforce refused the request ({status})")


def first_error(body: Any) -> tuple[str, str]:
    """(errorCode, message) of an error array `[{"message","errorCode","fields"}]`, or blanks."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("errorCode", "")), str(body[0].get("message", ""))
    return "", ""


def raise_for_composite(results: list[SubResult]) -> None:
    """Raise the error of the first failed subrequest that caused the failure (not the halted ones)."""
    failed = [r for r in results if r.status >= 300]
    cause = next((r for r in failed if first_error(r.body)[0] != HALTED_CODE), failed[0] if failed else None)
    if cause is not None:
        raise error_for(cause.status, cause.body)


class SalesforceClient:
    """HTTP to the token endpoint and the REST API; records the last `Sforce-Limit-Info` seen."""

    def __init__(self, http: requests.Session, timeout: float, clock=time.monotonic):
        self.http = http
        self.timeout = timeout
        self.clock = clock
        self.last_limit_info: str | None = None
        self._warned_at: float | None = None

    @property
    def api_usage(self) -> tuple[int, int] | None:
        """(used, limit) of the org's daily API requests from the last response, if it said."""
        return parse_api_usage(self.last_limit_info)

    def api(
        self,
        session: SfSession,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        headers: dict | None = None,
    ) -> Any:
        """Call `{instance_url}/services/data/vXX.X{path}`; returns parsed JSON (None for 204)."""
        all_headers = {
            "Authorization": f"Bearer {session.access_token}",
            "Accept": "application/json",
            **(headers or {}),
        }
        response = self._send(
            method, f"{session.instance_url}{DATA_PATH}{path}", json=json, params=params, headers=all_headers
        )
        body = _json(response)
        if response.status_code >= 300:
            raise error_for(response.status_code, body)
        return body

    def composite(
        self, session: SfSession, subrequests: list[dict], all_or_none: bool = False
    ) -> list[SubResult]:
        """POST one /composite (one API call) and return its subrequest results in order."""
        if len(subrequests) > MAX_SUBREQUESTS:
            raise CrmRejected(f"a Salesforce composite request takes at most {MAX_SUBREQUESTS} subrequests")
        body = self.api(
            session, "POST", "/composite", json={"allOrNone": all_or_none, "compositeRequest": subrequests}
        )
        return [
            SubResult(
                r.get("referenceId", ""),
                int(r.get("httpStatusCode", 500)),
                r.get("body"),
                r.get("httpHeaders") or {},
            )
            for r in body.get("compositeResponse", [])
        ]

    def token(self, url: str, form: dict) -> dict:
        """POST a form to an OAuth token endpoint: InvalidGrant, CrmAuthError on refusal, CrmUnavailable."""
        response = self._send("POST", url, data=form, headers={"Accept": "application/json"})
        body = _json(response)
        status = response.status_code
        if status in {408, 429} or status >= 500:  # throttled or down: the grant itself may be fine
            raise CrmUnavailable(f"Salesforce login is unavailable ({status})")
        if status < 300 and isinstance(body, dict) and "access_token" in body:
            return body
        error = body.get("error", "") if isinstance(body, dict) else ""
        detail = (body.get("error_description") if isinstance(body, dict) else "") or error or status
        if status in {400, 401} and error == "invalid_grant":  # the only answer that means "reconnect"
            raise InvalidGrant(f"Salesforce refused the sign-in: {detail}")
        raise CrmAuthError(f"Salesforce refused the sign-in: {detail}")

    def identity(self, url: str, access_token: str) -> dict:
        """GET the identity URL (`id` of a token response): username, email, user_id, organization_id…"""
        response = self._send(
            "GET", url, headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        )
        body = _json(response)
        if response.status_code in {408, 429} or response.status_code >= 500:
            raise CrmUnavailable(f"Salesforce login is unavailable ({response.status_code})")
        if response.status_code >= 300 or not isinstance(body, dict):
            raise CrmAuthError(
                f"Salesforce did not say who signed in ({response.status_code}); the app needs the id scope"
            )
        return body

    def revoke(self, url: str, token: str) -> bool:
        """POST a token to the revoke endpoint (a refresh token's access tokens go too); True if revoked."""
        response = self._send("POST", url, data={"token": token}, headers={"Accept": "application/json"})
        return response.status_code == 200

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            response = self.http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise CrmUnavailable("Salesforce did not answer in time") from exc
        except requests.RequestException as exc:
            raise CrmUnavailable("Salesforce is not reachable") from exc
        limit_info = response.headers.get("Sforce-Limit-Info")
        if limit_info:
            self.last_limit_info = limit_info
            self._warn_if_high(parse_api_usage(limit_info))
        # Path only: query strings carry SOQL with buyers' addresses, headers carry tokens.
        log.debug(
            "salesforce %s %s -> %s limit=%s",
            method,
            url.split("?")[0],
            response.status_code,
            self.last_limit_info,
        )
        return response

    def _warn_if_high(self, usage: tuple[int, int] | None) -> None:
        # Early enough for an admin to act before REQUEST_LIMIT_EXCEEDED stops every rep; throttled so a
        # busy afternoon above the line is a handful of lines, not one per request.
        if usage is None or not usage[1] or usage[0] <= USAGE_WARNING * usage[1]:
            return
        now = self.clock()
        if self._warned_at is not None and now - self._warned_at < USAGE_WARNING_EVERY:
            return
        self._warned_at = now
        log.warning(
            "salesforce api usage high: api_used=%d api_limit=%d api_usage_pct=%.0f",
            usage[0],
            usage[1],
            100.0 * usage[0] / usage[1],
        )


def parse_api_usage(limit_info: str | None) -> tuple[int, int] | None:
    """(used, limit) from a `Sforce-Limit-Info` value such as `api-usage=25/5000; per-app-api-usage=…`."""
    for part in (limit_info or "").split(";"):
        name, _, value = part.strip().partition("=")
        used, _, limit = value.partition("/")
        if name == "api-usage" and used.isdigit() and limit.isdigit():
            return int(used), int(limit)
    return None


def sub(method: str, path: str, ref: str, body: Any = None, headers: dict | None = None) -> dict:
    """A /composite subrequest for `path` under the pinned API version."""
    out = {"method": method, "url": f"{DATA_PATH}{path}", "referenceId": ref}
    if body is not None:
        out["body"] = body
    if headers:
        out["httpHeaders"] = headers
    return out


def query_sub(soql: str, ref: str) -> dict:
    """A /composite query subrequest."""
    return sub("GET", f"/query?q={quote(soql, safe='')}", ref)


def _json(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:  # an HTML maintenance page or a proxy's text
        return response.text
