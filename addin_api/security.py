"""Response headers: CSP (only the taskpane is frameable, by Office), no sniffing, no caching of data."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from flask import request

from addin_api.state import get_state

OFFICE_JS_HOST = "https://appsforoffice.microsoft.com"
# Who may frame the taskpane and its dialogs: Outlook on the web and the new Outlook (outlook.office.com,
# outlook.office365.com, consumer outlook.live.com, and the newer outlook.cloud.microsoft), and Office on
# the web's add-in hosts. Microsoft publishes no list: these are the origins the "Refused to frame"
# reports name (OfficeDev/office-js#3835, #3342, office-js-docs-pr#4911; EratoLab/erato#776 for
# outlook.cloud.microsoft). Desktop Outlook shows the pane in a WebView with no ancestor. 'self' is the
# preview page, which frames the real taskpane.
OFFICE_FRAME_ANCESTORS = (
    "'self'",
    "https://outlook.office.com",
    "https://outlook.office365.com",
    "https://outlook.live.com",
    "https://outlook.cloud.microsoft",
    "https://*.officeapps.live.com",
    "https://*.office.com",
)
TASKPANE_ENDPOINTS = frozenset({"web.taskpane"})
PREVIEW_ENDPOINTS = frozenset({"taskpane.preview"})
NO_STORE_PREFIXES = ("/api/", "/gmail/", "/dev-idp/", "/crm/")
# Pages without scripts (deal page, support/privacy/terms, errors): inline <style> only, never framed.
LOCKED = "; ".join(
    (
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


def _policy(**directives: str) -> str:
    return "; ".join(f"{name.replace('_', '-')} {value}" for name, value in directives.items())


def taskpane_policy(authority: str, scripts: tuple[str, ...] = (), styles: tuple[str, ...] = ()) -> str:
    """The CSP of the taskpane and its dialogs; `scripts`/`styles` are inline blocks allowed by hash."""
    signin = _origin(authority)  # MSAL's fallback outside NAA talks to the authority directly
    return _policy(
        default_src="'self'",
        script_src=" ".join(("'self'", OFFICE_JS_HOST, *map(_hash, scripts))),
        style_src=" ".join(("'self'", *map(_hash, styles))),
        img_src="'self' data:",
        connect_src=f"'self' {signin}".strip(),
        frame_src=f"'self' {signin}".strip(),
        object_src="'none'",
        base_uri="'self'",
        form_action="'self'",
        frame_ancestors=" ".join(OFFICE_FRAME_ANCESTORS),
    )


def preview_policy() -> str:
    """The CSP of the preview page: own scripts and styles, frames only the taskpane, never framed itself."""
    return _policy(
        default_src="'self'",
        frame_src="'self'",
        object_src="'none'",
        base_uri="'none'",
        form_action="'none'",
        frame_ancestors="'none'",
    )


def register_security_headers(app) -> None:
    """Add the headers to every response; a route may set its own CSP (dialog pages with inline code)."""

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Content-Security-Policy", _csp_for(request.endpoint))
        if request.is_secure or request.headers.get("X-Forwarded-Proto") == "https":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith(NO_STORE_PREFIXES):
            headers["Cache-Control"] = "no-store"
        return response


def _csp_for(endpoint: str | None) -> str:
    if endpoint in TASKPANE_ENDPOINTS:
        return taskpane_policy(get_state().settings.ms_authority)
    if endpoint in PREVIEW_ENDPOINTS:
        return preview_policy()
    return LOCKED


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} and parts.netloc else ""


def _hash(inline: str) -> str:
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    return f"'sha256-{digest}'"
