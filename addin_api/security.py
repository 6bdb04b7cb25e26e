"""Response headers: no sniffing, no referrers, no caching of API data."""

from __future__ import annotations

from flask import request


def register_security_headers(app) -> None:
    """Add the headers to every response (the taskpane must stay frameable by Outlook on the web)."""

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.is_secure or request.headers.get("X-Forwarded-Proto") == "https":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith(("/api/", "/gmail/", "/dev-idp/")):
            response.headers["Cache-Control"] = "no-store"
        return response
